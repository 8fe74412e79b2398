import { createMock, deleteMock, importFile, listMocks, token, updateMock } from "./api.js";
import { Journal } from "./journal.js";
import { html, render, useCallback, useEffect, useState } from "./preact.js";

// The Echo console: mocks on the left, the editor and the live request journal on the right.

const VERBS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
const BLANK = {
  verb: "GET",
  path: "/hello",
  code: "200",
  type: "application/json",
  body: "",
  more: "",
};

/** Which form field an API error's source.pointer belongs to. */
function fieldOf(pointer = "") {
  const rest = pointer.replace(/^\/data\/attributes/, "");
  if (rest.startsWith("/verb")) return "verb";
  if (rest.startsWith("/path")) return "path";
  if (rest.startsWith("/response/code")) return "code";
  if (rest.startsWith("/response/body")) return "body";
  if (rest.startsWith("/response/headers")) return "type";
  return "more";
}

const isContentType = (name) => name.toLowerCase() === "content-type";

/** The form's fields for a stored mock; attributes the form has no field for go to "more". */
function toForm(attributes) {
  const { verb, path, response = {}, ...rest } = attributes;
  const { code, body, headers = {}, ...responseRest } = response;
  const typeName = Object.keys(headers).find(isContentType);
  const otherHeaders = Object.fromEntries(
    Object.entries(headers).filter(([n]) => !isContentType(n)),
  );
  const more = { ...rest };
  if (Object.keys(otherHeaders).length > 0) responseRest.headers = otherHeaders;
  if (Object.keys(responseRest).length > 0) more.response = responseRest;
  return {
    verb,
    path,
    code: String(code ?? 200),
    type: typeName ? headers[typeName] : "",
    body: body ?? "",
    more: Object.keys(more).length > 0 ? JSON.stringify(more, null, 2) : "",
  };
}

function toAttributes(form) {
  const more = form.more.trim() === "" ? {} : JSON.parse(form.more);
  const { response: moreResponse = {}, ...rest } = more;
  const headers = { ...(moreResponse.headers ?? {}) };
  if (form.type.trim() !== "") headers["Content-Type"] = form.type.trim();
  const response = { ...moreResponse, code: Number(form.code) };
  if (Object.keys(headers).length > 0) response.headers = headers;
  else delete response.headers;
  if (form.body !== "") response.body = form.body;
  return { ...rest, verb: form.verb, path: form.path, response };
}

function Field({ label, name, errors, children, hint }) {
  const messages = errors[name] ?? [];
  return html`<label class=${`field ${messages.length ? "invalid" : ""}`} data-field=${name}>
    <span class="label">${label}</span>
    ${children}
    ${hint && messages.length === 0 ? html`<span class="hint">${hint}</span>` : null}
    ${messages.map((m) => html`<span class="error" role="alert">${m}</span>`)}
  </label>`;
}

function Editor({ mock, onSaved, onCancel }) {
  const [form, setForm] = useState(mock ? toForm(mock.attributes) : BLANK);
  const [errors, setErrors] = useState({});
  const set = (name) => (event) => setForm({ ...form, [name]: event.currentTarget.value });

  const save = async (event) => {
    event.preventDefault();
    let attributes;
    try {
      attributes = toAttributes(form);
    } catch (error) {
      setErrors({ more: [`Not valid JSON: ${error.message}`] });
      return;
    }
    try {
      const saved = mock ? await updateMock(mock.id, attributes) : await createMock(attributes);
      setErrors({});
      onSaved(saved.data);
    } catch (error) {
      const byField = {};
      for (const e of error.errors ?? [{ detail: error.message }]) {
        const field = e.source?.pointer !== undefined ? fieldOf(e.source.pointer) : "more";
        byField[field] = [...(byField[field] ?? []), e.detail];
      }
      setErrors(byField);
    }
  };

  return html`<form class="panel editor" onSubmit=${save} novalidate>
    <header class="panel-head"><h2>${mock ? "Edit mock" : "New mock"}</h2></header>
    <div class="row">
      <${Field} label="Method" name="verb" errors=${errors}>
        <select name="verb" value=${form.verb} onChange=${set("verb")}>
          ${VERBS.map((v) => html`<option value=${v}>${v}</option>`)}
        </select>
      <//>
      <${Field} label="Path" name="path" errors=${errors} hint="Starts with /; {name} matches one segment">
        <input name="path" value=${form.path} onInput=${set("path")} autocomplete="off" spellcheck="false" />
      <//>
      <${Field} label="Status" name="code" errors=${errors}>
        <input name="code" value=${form.code} onInput=${set("code")} inputmode="numeric" class="narrow" />
      <//>
    </div>
    <${Field} label="Content-Type" name="type" errors=${errors}>
      <input name="type" value=${form.type} onInput=${set("type")} spellcheck="false" />
    <//>
    <${Field} label="Body" name="body" errors=${errors}>
      <textarea name="body" rows="5" value=${form.body} onInput=${set("body")} spellcheck="false"></textarea>
    <//>
    <${Field} label="More attributes (JSON)" name="more" errors=${errors} hint='Merged into the mock, e.g. {"request": {"query": {"lang": "en"}}}'>
      <textarea name="more" rows="3" value=${form.more} onInput=${set("more")} spellcheck="false"></textarea>
    <//>
    <div class="actions">
      <button type="submit" class="primary">${mock ? "Save changes" : "Create mock"}</button>
      <button type="button" class="quiet" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}

function ImportBox({ onImported, onError }) {
  const [replace, setReplace] = useState(false);
  const [result, setResult] = useState(null);
  const choose = async (event) => {
    const file = event.currentTarget.files?.[0];
    event.currentTarget.value = "";
    if (!file) return;
    try {
      const document = await importFile(file.name, await file.text(), replace);
      setResult({ created: document.data.length, skipped: document.meta.skipped, errors: [] });
      onImported();
    } catch (error) {
      if (!error.errors) return onError(error);
      setResult({ created: 0, skipped: [], errors: error.errors });
    }
  };
  return html`<div class="import">
    <label class="button quiet">Import file…<input type="file" accept=".json,.yaml,.yml" onChange=${choose} hidden /></label>
    <label class="toggle"><input type="checkbox" checked=${replace} onChange=${(e) => setReplace(e.currentTarget.checked)} /> Replace existing</label>
    ${
      result &&
      html`<div class="import-result" role="status">
        ${result.errors.length === 0 ? html`<p>Imported ${result.created} mock${result.created === 1 ? "" : "s"}${result.skipped.length ? `, skipped ${result.skipped.length}` : ""}.</p>` : html`<p class="error">Nothing imported:</p>`}
        <ul>
          ${result.errors.map((e) => html`<li class="error"><code>${e.source?.pointer ?? ""}</code> ${e.detail}</li>`)}
          ${result.skipped.map((s) => html`<li><code>${s.verb} ${s.path}</code> ${s.reason}</li>`)}
        </ul>
      </div>`
    }
  </div>`;
}

function MockList({ mocks, selected, onSelect, onDelete }) {
  if (mocks.length === 0)
    return html`<p class="empty">No mocks yet. Create one, or import a file.</p>`;
  return html`<ul class="mocks">
    ${mocks.map(
      (m) => html`<li key=${m.id} class=${m.id === selected ? "selected" : ""}>
        <button type="button" class="mock" onClick=${() => onSelect(m.id)}>
          <span class="verb">${m.attributes.verb}</span>
          <span class="path">${m.attributes.path}</span>
          <span class="code">${m.attributes.response?.code ?? ""}</span>
        </button>
        <button type="button" class="delete" title="Delete this mock" aria-label=${`Delete ${m.attributes.verb} ${m.attributes.path}`} onClick=${() => onDelete(m)}>✕</button>
      </li>`,
    )}
  </ul>`;
}

function TokenPrompt({ onSubmit }) {
  const submit = (event) => {
    event.preventDefault();
    onSubmit(new FormData(event.currentTarget).get("token"));
  };
  return html`<form class="panel token" onSubmit=${submit}>
    <h2>API token</h2>
    <p>This service needs its <code>API_TOKEN</code>. It is kept in this tab only, until you close it.</p>
    <input class="token-input" type="password" name="token" autocomplete="off" required autofocus />
    <button type="submit" class="primary">Continue</button>
  </form>`;
}

function App() {
  const [mocks, setMocks] = useState([]);
  const [selected, setSelected] = useState(null);
  const [needsToken, setNeedsToken] = useState(false);
  const [problem, setProblem] = useState("");

  const onError = useCallback((error) => {
    if (error.status === 401) setNeedsToken(true);
    else setProblem(error.message);
  }, []);
  const reload = useCallback(async () => {
    try {
      setMocks(await listMocks());
      setProblem("");
    } catch (error) {
      onError(error);
    }
  }, [onError]);
  useEffect(() => {
    reload();
  }, [reload]);

  if (needsToken) {
    return html`<${TokenPrompt} onSubmit=${(value) => {
      token.set(value);
      setNeedsToken(false);
      reload();
    }} />`;
  }
  const current = mocks.find((m) => m.id === selected);
  const remove = async (mock) => {
    if (!confirm(`Delete ${mock.attributes.verb} ${mock.attributes.path}?`)) return;
    try {
      await deleteMock(mock.id);
      if (selected === mock.id) setSelected(null);
      reload();
    } catch (error) {
      onError(error);
    }
  };
  return html`<header class="top"><h1>Echo console</h1><a href="/docs">API docs</a></header>
    ${problem && html`<p class="banner" role="alert">${problem}</p>`}
    <main>
      <section class="panel list">
        <header class="panel-head">
          <h2>Mocks <span class="count">${mocks.length}</span></h2>
          <button type="button" class="primary" onClick=${() => setSelected("new")}>New mock</button>
        </header>
        <${MockList} mocks=${mocks} selected=${selected} onSelect=${setSelected} onDelete=${remove} />
        <${ImportBox} onImported=${reload} onError=${onError} />
      </section>
      <div class="side">
        ${
          selected !== null &&
          html`<${Editor} key=${selected} mock=${current} onCancel=${() => setSelected(null)}
            onSaved=${(saved) => {
              // The list holds the saved mock before the editor opens it again.
              setMocks((list) => [...list.filter((m) => m.id !== saved.id), saved]);
              setSelected(saved.id);
              reload();
            }} />`
        }
        <${Journal} mocks=${mocks} onError=${onError} />
      </div>
    </main>`;
}

render(html`<${App} />`, document.getElementById("app"));
