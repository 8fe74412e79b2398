// The console's calls to the management API. The token lives in sessionStorage only, and
// travels in the Authorization header only: never in a URL.

const TOKEN_KEY = "echo-console-token";
const JSONAPI = "application/vnd.api+json";

export class ApiFailure extends Error {
  constructor(status, errors) {
    super(errors.map((e) => e.detail).join("; ") || `HTTP ${status}`);
    this.status = status;
    this.errors = errors;
  }
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) ?? "",
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export async function api(method, path, body, contentType = JSONAPI) {
  const headers = { accept: JSONAPI };
  const bearer = token.get();
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers["content-type"] = contentType;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const text = await response.text();
  let document = null;
  try {
    document = text ? JSON.parse(text) : null;
  } catch {
    document = null;
  }
  if (!response.ok) {
    const errors = document?.errors ?? [{ detail: `HTTP ${response.status}`, status: "" }];
    throw new ApiFailure(response.status, errors);
  }
  return document;
}

export const listMocks = async () => (await api("GET", "/endpoints")).data;
export const createMock = (attributes) =>
  api("POST", "/endpoints", { data: { type: "endpoints", attributes } });
export const updateMock = (id, attributes) =>
  api("PATCH", `/endpoints/${encodeURIComponent(id)}`, {
    data: { type: "endpoints", id, attributes },
  });
export const deleteMock = (id) => api("DELETE", `/endpoints/${encodeURIComponent(id)}`);
export const listRequests = async () => api("GET", "/requests?page[size]=50");
export const clearRequests = () => api("DELETE", "/requests");

/** Imports a file: YAML by its name, JSON otherwise. */
export function importFile(name, text, replace) {
  const type = /\.ya?ml$/i.test(name) ? "application/yaml" : "application/json";
  return api("POST", `/endpoints/import${replace ? "?mode=replace" : ""}`, text, type);
}
