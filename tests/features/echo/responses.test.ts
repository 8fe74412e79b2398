import { describe, expect, it } from "bun:test";
import { greeting } from "../../support/fixtures";
import { BASE, req } from "../../support/http";
import {
  createDocument,
  echoApp,
  firstError,
  jsonApiRequest,
  type ResourceDocument,
} from "./support";

/** What a matched mock answers: templates, delays, faults and response lists. */

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

/** A sleep under the test's control: each call waits until released or aborted. */
function manualSleep() {
  const pending: { ms: number; release: () => void }[] = [];
  const sleep = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      pending.push({ ms, release: resolve });
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
  return { pending, sleep };
}

function appWith(options: { random?: () => number; sleep?: ReturnType<typeof manualSleep> } = {}) {
  const nowCalls: number[] = [];
  const app = echoApp({
    now: () => {
      nowCalls.push(NOW);
      return NOW;
    },
    echo: {
      random: options.random ?? (() => 0.5),
      sleep: options.sleep?.sleep ?? (async () => {}),
    },
  });
  return { ...app, nowCalls };
}

const templated = (body: string, extra: Record<string, unknown> = {}) => ({
  verb: "POST",
  path: "/t/{id}",
  response: { code: 200, body, template: true, ...extra },
});

async function render(body: string, request = req("/t/7?q=1&q=2", { method: "POST" })) {
  const { createdId, handle } = appWith();
  await createdId(templated(body));
  const response = await handle(request);
  return response.text();
}

describe("templates", () => {
  it("sees the method, path, params, query, headers, body and parsed JSON", async () => {
    const request = req("/t/7?q=1&q=2", {
      method: "POST",
      headers: { "X-Tenant": "acme" },
      body: '{"n":3}',
    });
    const body =
      "{{request.method}} {{request.path}} {{request.params.id}} {{request.query.q}} {{request.headers.x-tenant}} {{request.body}} {{request.json.n}}";
    expect(await render(body, request)).toBe('POST /t/7 7 1 acme {"n":3} 3');
  });

  it("json encodes a value safely for a JSON body", async () => {
    const sent = { msg: 'say "hi"\n', list: [1, null] };
    const request = req("/t/7", { method: "POST", body: JSON.stringify(sent) });
    // A space keeps the helper's `}}` apart from the object's `}`.
    const body = '{"echo": {{json request.json.msg}}, "list": {{json request.json.list}} }';
    expect(JSON.parse(await render(body, request))).toEqual({ echo: sent.msg, list: sent.list });
  });

  it("now gives ISO-8601 UTC, and integer seconds with epoch", async () => {
    expect(await render('{{now}} {{now "epoch"}}')).toBe(
      `2026-01-02T03:04:05.678Z ${Math.floor(NOW / 1000)}`,
    );
  });

  it("uuid gives a fresh UUID", async () => {
    expect(await render("{{uuid}}")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("randomInt draws from min to max inclusive", async () => {
    expect(await render("{{randomInt 1 10}}")).toBe("6");
  });

  it("renders header values too", async () => {
    const { createdId, handle } = appWith();
    await createdId(templated("", { headers: { "X-Id": "id-{{request.params.id}}" } }));
    expect((await handle(req("/t/9", { method: "POST" }))).headers.get("x-id")).toBe("id-9");
  });

  it("keeps prototype access off", async () => {
    expect(await render("[{{request.constructor.name}}{{request.__proto__}}]")).toBe("[]");
  });

  for (const [name, body] of [
    ["a syntax error", "{{#if}}"],
    ["a partial", "{{> secrets}}"],
    ["an unknown helper", "{{readFile '/etc/passwd'}}"],
  ]) {
    it(`refuses ${name} with 422 at the field`, async () => {
      const error = await firstError(await echoApp().create(templated(body as string)));
      expect([error.status, error.code, error.source?.pointer]).toEqual([
        422,
        "invalid_template",
        "/data/attributes/response/body",
      ]);
    });
  }

  it("answers 500 template_output_too_large for that request only", async () => {
    const { createdId, handle } = appWith();
    await createdId(templated("{{request.body}}{{request.body}}"));
    const big = "x".repeat(600 * 1024);
    const tooLarge = await handle(req("/t/1", { method: "POST", body: big }));
    expect((await firstError(tooLarge)).code).toBe("template_output_too_large");
    expect(await (await handle(req("/t/1", { method: "POST", body: "ok" }))).text()).toBe("okok");
  });
});

describe("delays", () => {
  const delayed = (delay: unknown) => ({
    ...greeting({ path: "/slow" }),
    response: { code: 200, body: "slow", delay },
  });

  it("waits a fixed delay before answering, without blocking other requests", async () => {
    const sleep = manualSleep();
    const { createdId, handle } = appWith({ sleep });
    await createdId(delayed(250));
    await createdId(greeting({ path: "/fast" }));
    const slow = handle(req("/slow"));
    while (sleep.pending.length === 0) await Bun.sleep(1);
    expect(sleep.pending[0]?.ms).toBe(250);
    let answered = false;
    slow.then(() => (answered = true));
    expect((await handle(req("/fast"))).status).toBe(200);
    expect(answered).toBe(false);
    sleep.pending[0]?.release();
    expect(await (await slow).text()).toBe("slow");
  });

  it("draws a uniform delay between min and max", async () => {
    const sleep = manualSleep();
    const { createdId, handle } = appWith({ sleep, random: () => 0.25 });
    await createdId(delayed({ min: 100, max: 900 }));
    const slow = handle(req("/slow"));
    while (sleep.pending.length === 0) await Bun.sleep(1);
    expect(sleep.pending[0]?.ms).toBe(300);
    sleep.pending[0]?.release();
    await slow;
  });

  it("does nothing further for a client that left during the delay", async () => {
    const sleep = manualSleep();
    const { createdId, handle, nowCalls } = appWith({ sleep });
    await createdId({
      ...delayed(1000),
      response: { code: 200, body: "{{now}}", template: true, delay: 1000 },
    });
    const client = new AbortController();
    const slow = handle(req("/slow", { signal: client.signal }));
    while (sleep.pending.length === 0) await Bun.sleep(1);
    client.abort();
    const response = await slow;
    expect(await response.text()).toBe("");
    expect(nowCalls).toEqual([]);
  });

  it("refuses a delay over 30000 ms, and a min above max", async () => {
    for (const delay of [30_001, { min: 5, max: 1 }]) {
      const error = await firstError(await echoApp().create(delayed(delay)));
      expect(error.status).toBe(422);
      expect(error.source?.pointer).toStartWith("/data/attributes/response/delay");
    }
  });
});

it('fault "close" ends the answer with no response', async () => {
  const { createdId, handle } = appWith();
  await createdId({ ...greeting({ path: "/drop" }), response: { code: 200, fault: "close" } });
  const response = await handle(req("/drop"));
  let failed = false;
  try {
    await response.text();
  } catch {
    failed = true;
  }
  expect(failed).toBe(true);
});

describe("response lists", () => {
  const list = (order?: string) => ({
    verb: "GET",
    path: "/list",
    responses: [
      { code: 200, body: "a" },
      { code: 201, body: "b", weight: 3 },
    ],
    ...(order && { order }),
  });
  const hits = async (handle: (r: Request) => Promise<Response>, n: number) => {
    const bodies: string[] = [];
    for (let i = 0; i < n; i++) bodies.push(await (await handle(req("/list"))).text());
    return bodies;
  };

  it("steps through a sequence, repeating the last", async () => {
    const { createdId, handle } = appWith();
    await createdId(list());
    expect(await hits(handle, 4)).toEqual(["a", "b", "b", "b"]);
  });

  it("repeats the list in a cycle", async () => {
    const { createdId, handle } = appWith();
    await createdId(list("cycle"));
    expect(await hits(handle, 4)).toEqual(["a", "b", "a", "b"]);
  });

  it("draws by weight in random order", async () => {
    const draws = [0.2, 0.3, 0.9];
    const { createdId, handle } = appWith({ random: () => draws.shift() ?? 0 });
    await createdId(list("random"));
    // Weights 1 and 3: draws below 1/4 pick "a".
    expect(await hits(handle, 3)).toEqual(["a", "b", "b"]);
  });

  it("starts the sequence again when the endpoint is updated", async () => {
    const { createdId, handle } = appWith();
    const id = await createdId(list());
    await hits(handle, 2);
    const patch = createDocument({ priority: 1 });
    expect((await handle(jsonApiRequest("PATCH", `/endpoints/${id}`, patch))).status).toBe(200);
    expect(await hits(handle, 2)).toEqual(["a", "b"]);
  });

  it("refuses both response and responses, and order without responses", async () => {
    const both = { ...list(), response: { code: 200 } };
    const orderOnly = { ...greeting(), order: "cycle" };
    for (const [document, pointer] of [
      [both, "/data/attributes/responses"],
      [orderOnly, "/data/attributes/order"],
    ] as const) {
      const error = await firstError(await echoApp().create(document));
      expect([error.status, error.source?.pointer]).toEqual([422, pointer]);
    }
  });
});

it("round-trips every document that was valid before, unchanged", async () => {
  const { create, handle } = echoApp();
  const documents = [
    greeting(),
    { verb: "DELETE", path: "/bare", response: { code: 204 } },
    { verb: "PUT", path: "/x/%20y", response: { code: 418, headers: {}, body: "" } },
  ];
  for (const attributes of documents) {
    const created = (await (await create(attributes)).json()) as ResourceDocument;
    expect(created.data.attributes).toEqual(attributes);
    const read = await handle(jsonApiRequest("GET", `/endpoints/${created.data.id}`));
    expect(((await read.json()) as ResourceDocument).data.attributes).toEqual(attributes);
  }
  expect((await handle(new Request(`${BASE}/greeting`))).status).toBe(200);
});
