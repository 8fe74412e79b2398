import { describe, expect, it } from "bun:test";
import { ConfigError, loadConfig } from "../src/config";

describe("loadConfig", () => {
  it("has sensible defaults", () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.logLevel).toBe("info");
    expect(config.factorialMax).toBe(100_000);
    expect(config.sqlitePath).toBe("data/echo.sqlite");
    expect(config.dynamodbTable).toBeUndefined();
    expect(config.smartHedgeDelayMs).toBe(300);
    expect(config.smartHedgeCount).toBe(2);
    expect(config.metricsEmf).toBe(false);
    expect(config.smartUpstreamUrl).toBeUndefined();
  });

  it("reads values from the environment", () => {
    const config = loadConfig({ PORT: "9000", LOG_LEVEL: "WARN", FACTORIAL_MAX: "50" });
    expect(config).toMatchObject({ port: 9000, logLevel: "warn", factorialMax: 50 });
  });

  it("reads SMART_HEDGE_DELAY_MS=auto, with a 10% hedge budget unless told otherwise", () => {
    expect(loadConfig({ SMART_HEDGE_DELAY_MS: "auto" })).toMatchObject({
      smartHedgeDelayMs: "auto",
      smartHedgePercentile: 95,
      smartHedgeMinMs: 10,
      smartHedgeBudgetPercent: 10,
    });
    expect(loadConfig({}).smartHedgeBudgetPercent).toBe(0);
    const fixedWithBudget = loadConfig({
      SMART_HEDGE_DELAY_MS: "250",
      SMART_HEDGE_BUDGET_PERCENT: "5",
    });
    expect(fixedWithBudget).toMatchObject({ smartHedgeDelayMs: 250, smartHedgeBudgetPercent: 5 });
    const autoWithout = loadConfig({
      SMART_HEDGE_DELAY_MS: "auto",
      SMART_HEDGE_BUDGET_PERCENT: "0",
    });
    expect(autoWithout.smartHedgeBudgetPercent).toBe(0);
  });

  it("turns on EMF metrics on Lambda", () => {
    expect(loadConfig({ AWS_LAMBDA_FUNCTION_NAME: "fn" }).metricsEmf).toBe(true);
  });

  const invalid: Record<string, string> = {
    PORT: "http",
    LOG_LEVEL: "loud",
    FACTORIAL_MAX: "-1",
    SMART_HEDGE_COUNT: "3",
    SMART_UPSTREAM_URL: "ftp://example.test/",
    METRICS_EMF: "maybe",
    WORK_ERROR_PERCENT: "101",
    SMART_HEDGE_DELAY_MS: "soon",
    SMART_HEDGE_PERCENTILE: "0",
    WORK_P95_MS: "50",
  };
  for (const [name, value] of Object.entries(invalid)) {
    it(`fails fast, naming ${name}, for an invalid value`, () => {
      expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value })).toThrow(name);
    });
  }
});
