import { describe, expect, it } from "bun:test";
import { echoApp, firstError, greeting, jsonApiRequest } from "./support";

const request = (method: string, path: string) =>
  new Request(`http://localhost${path}`, { method });

async function appWith(...mocks: Parameters<typeof greeting>[0][]) {
  const echo = echoApp();
  for (const mock of mocks) await echo.createdId(greeting(mock));
  return echo;
}

describe("serving a mock", () => {
  it("answers with the stored code, headers and body verbatim", async () => {
    const { handle } = await appWith({
      path: "/teapot",
      response: {
        code: 418,
        headers: { "Content-Type": "text/x-tea", "X-Brew": "oolong", "Set-Cookie": "a=b; Path=/" },
        body: '  {"short": "stout"}\n\t',
      },
    });
    const response = await handle(request("GET", "/teapot"));
    expect(response.status).toBe(418);
    expect(response.headers.get("content-type")).toBe("text/x-tea");
    expect(response.headers.get("x-brew")).toBe("oolong");
    expect(response.headers.get("set-cookie")).toBe("a=b; Path=/");
    expect(await response.text()).toBe('  {"short": "stout"}\n\t');
  });

  it("answers with an empty body when none is stored", async () => {
    const { handle } = await appWith({ path: "/empty", response: { code: 202 } });
    const response = await handle(request("GET", "/empty"));
    expect(response.status).toBe(202);
    expect(await response.text()).toBe("");
  });

  it("labels a body without a stored Content-Type as UTF-8 text", async () => {
    const { handle } = await appWith({ path: "/plain", response: { code: 200, body: "hi" } });
    const response = await handle(request("GET", "/plain"));
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
  });

  it("ignores the query string", async () => {
    const { handle } = await appWith({});
    expect((await handle(request("GET", "/greeting?x=1&y=2"))).status).toBe(200);
  });

  it("matches the method exactly", async () => {
    const { handle } = await appWith({});
    const error = await firstError(await handle(request("POST", "/greeting")));
    expect(error.status).toBe(404);
    expect(error.detail).toBe("Requested page `/greeting` does not exist");
  });

  it("matches the path case-sensitively", async () => {
    const { handle } = await appWith({});
    expect((await handle(request("GET", "/Greeting"))).status).toBe(404);
  });

  it("treats a trailing slash as a different path", async () => {
    const { handle } = await appWith({});
    const error = await firstError(await handle(request("GET", "/greeting/")));
    expect(error.detail).toBe("Requested page `/greeting/` does not exist");
  });

  it("does not match by prefix", async () => {
    const { handle } = await appWith({});
    expect((await handle(request("GET", "/greeting/more"))).status).toBe(404);
    expect((await handle(request("GET", "/greet"))).status).toBe(404);
  });

  it("does not answer HEAD from a GET mock", async () => {
    const { handle } = await appWith({});
    expect((await handle(request("HEAD", "/greeting"))).status).toBe(404);
  });

  it("answers HEAD from a HEAD mock, without a body", async () => {
    const { handle } = await appWith({
      verb: "HEAD",
      path: "/probe",
      response: { code: 200, headers: { "X-Alive": "yes" } },
    });
    const response = await handle(request("HEAD", "/probe"));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-alive")).toBe("yes");
    expect(await response.text()).toBe("");
  });

  it("matches a percent-encoded path as sent", async () => {
    const { handle } = await appWith({ path: "/caf%C3%A9" });
    expect((await handle(request("GET", "/caf%C3%A9"))).status).toBe(200);
  });

  it("serves every verb it accepts, not only GET", async () => {
    const { handle } = await appWith({ verb: "DELETE", path: "/thing", response: { code: 204 } });
    expect((await handle(request("DELETE", "/thing"))).status).toBe(204);
  });

  it("answers the page-not-found sentence for an unknown method", async () => {
    const { handle } = await appWith({});
    const error = await firstError(await handle(request("PROPFIND", "/greeting")));
    expect(error.detail).toBe("Requested page `/greeting` does not exist");
  });

  it("does not shadow a built-in route", async () => {
    const { handle } = await appWith({});
    const response = await handle(request("GET", "/tocos/Sam"));
    expect(await response.json()).toEqual({ user: "Sam", tocos: 200 });
  });

  it("stays public when API_TOKEN is set", async () => {
    const echo = echoApp({ config: { apiToken: "s3cret" } });
    await echo.create(greeting(), { authorization: "Bearer s3cret" });
    expect((await echo.handle(request("GET", "/greeting"))).status).toBe(200);
  });

  it("stops answering once deleted", async () => {
    const { handle, createdId } = echoApp();
    const id = await createdId();
    await handle(jsonApiRequest("DELETE", `/endpoints/${id}`));
    expect((await handle(request("GET", "/greeting"))).status).toBe(404);
  });
});
