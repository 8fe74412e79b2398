import { describe, expect, it } from "bun:test";
import { DeployConfigError, stageSettings } from "../../infra/settings";

describe("stage settings", () => {
  it("protects production's data", () => {
    expect(stageSettings("production").protections).toEqual({
      pointInTimeRecovery: true,
      deletionProtection: true,
      retainData: true,
      forceDeleteImages: false,
    });
  });

  it("lets every other stage be removed whole", () => {
    expect(stageSettings("feature-x").protections).toEqual({
      pointInTimeRecovery: false,
      deletionProtection: false,
      retainData: false,
      forceDeleteImages: true,
    });
  });

  it("defaults the function timeout to just under API Gateway's 30 s", () => {
    expect(stageSettings("dev").timeoutSeconds).toBe(29);
  });

  it("rejects a timeout API Gateway would cut off", () => {
    expect(() => stageSettings("dev", { timeoutSeconds: 30 })).toThrow(DeployConfigError);
  });

  it("rejects a throttling rate of 0, which would answer every request with 429", () => {
    const throttling = { burstLimit: 50, rateLimit: 0 };
    expect(() => stageSettings("dev", { throttling })).toThrow(DeployConfigError);
  });

  it("rejects a throttling burst of 0", () => {
    const throttling = { burstLimit: 0, rateLimit: 20 };
    expect(() => stageSettings("dev", { throttling })).toThrow(DeployConfigError);
  });

  it("rejects memory Lambda does not offer", () => {
    expect(() => stageSettings("dev", { memoryMb: 64 })).toThrow(DeployConfigError);
  });

  it("rejects a retention period CloudWatch Logs does not offer", () => {
    expect(() => stageSettings("dev", { logRetentionDays: 10 })).toThrow(DeployConfigError);
  });

  it("rejects stage names that cannot be part of a registry name", () => {
    expect(() => stageSettings("Prod_1")).toThrow(DeployConfigError);
  });

  it("names resources after the service and the stage", () => {
    expect(stageSettings("dev").resourcePrefix).toBe("tocos-service-dev");
  });
});
