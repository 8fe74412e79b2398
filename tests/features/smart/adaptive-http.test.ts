import { afterEach, describe, expect, it } from "bun:test";
import { ok, type Reply, status } from "../../support/fake-upstream";
import { type SmartFixture, smartFixture, smartLogs } from "./support";

let fixture: SmartFixture | undefined;
const start = (replies: Reply[] | ((index: number) => Reply), config = {}) => {
  fixture = smartFixture(replies, config);
  return fixture;
};
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe("GET /api/smart with SMART_HEDGE_DELAY_MS=auto", () => {
  it("tells the delay it used in Server-Timing and in the log line", async () => {
    const f = start([ok(1)], { smartHedgeDelayMs: "auto", smartHedgeBudgetPercent: 10 });
    const { response } = await f.smart("?timeout=1000");
    expect(response.status).toBe(200);
    expect(response.headers.get("server-timing")).toMatch(
      /^upstream;dur=[\d.]+;desc="1 attempt", hedge;dur=300;desc="auto delay"$/,
    );
    const [line] = await smartLogs(f);
    expect(line).toMatchObject({
      hedgeDelayMs: 300,
      hedgeDelayMode: "auto",
      hedgesSkipped: 0,
      budgetTokens: 10,
    });
  });

  it("says in Server-Timing when the budget skipped the hedges", async () => {
    // A 1% budget holds one token: the first early failure takes it, the second gets none.
    const f = start([status(500), status(500), status(500), ok(1)], {
      smartHedgeDelayMs: "auto",
      smartHedgeBudgetPercent: 1,
    });
    const first = await f.smart("?timeout=1000");
    expect(first.response.status).toBe(502);
    expect(first.response.headers.get("server-timing")).toContain(
      'desc="auto delay, 1 skipped for budget"',
    );
    const second = await f.smart("?timeout=1000");
    expect(second.response.status).toBe(502);
    expect(second.response.headers.get("server-timing")).toMatch(
      /desc="1 attempt", hedge;dur=300;desc="auto delay, 2 skipped for budget"$/,
    );
    const lines = await smartLogs(f);
    expect(lines.map((l) => [l.hedgesFired, l.hedgesSkipped, l.budgetTokens])).toEqual([
      [1, 1, 0],
      [0, 2, 0],
    ]);
  });
});

describe("GET /api/smart with a fixed delay", () => {
  it("keeps the challenge's Server-Timing and reports no budget", async () => {
    const f = start([ok(1)], { smartHedgeDelayMs: 300 });
    const { response } = await f.smart("?timeout=1000");
    expect(response.headers.get("server-timing")).toMatch(/^upstream;dur=[\d.]+;desc="1 attempt"$/);
    const [line] = await smartLogs(f);
    expect(line).toMatchObject({ hedgeDelayMs: 300, hedgeDelayMode: "fixed", budgetTokens: null });
  });
});
