import { clearRequests, listRequests } from "./api.js";
import { html, useEffect, useState } from "./preact.js";

// The request journal, polled while the page is visible; unmatched requests show their near misses.

const POLL_MS = 1000;

const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour12: false });

function NearMisses({ misses }) {
  if (misses.length === 0) {
    return html`<span class="unmatched">No mock matched, and none comes close.</span>`;
  }
  return html`<span class="unmatched">No mock matched. The closest:</span>
  <ul class="near-misses">
    ${misses.map(
      (m) => html`<li key=${m.endpoint}>
        <span class="route"><span class="verb">${m.verb}</span> ${m.path}</span>
        <ul class="reasons">
          ${m.reasons.map((r) => html`<li>${r}</li>`)}
        </ul>
      </li>`,
    )}
  </ul>`;
}

function Entry({ entry, mocks }) {
  const a = entry.attributes;
  const matched = a.endpoint !== null;
  const mock = mocks.find((m) => m.id === a.endpoint);
  return html`<li class=${`entry ${matched ? "hit" : "miss"}`} data-id=${entry.id}>
    <div class="entry-line">
      <time>${clock(a.time)}</time>
      <span class="verb">${a.method}</span>
      <span class="path">${a.path}${a.query ? `?${a.query}` : ""}</span>
      <span class=${`status s${String(a.status)[0]}`}>${a.status}</span>
    </div>
    <div class="entry-detail">
      ${
        matched
          ? html`<span class="answered">Answered by ${mock ? `${mock.attributes.verb} ${mock.attributes.path}` : "a deleted mock"}</span>`
          : html`<${NearMisses} misses=${entry.meta?.nearMisses ?? []} />`
      }
    </div>
    <details class="sent">
      <summary>What was sent</summary>
      <pre>${Object.entries(a.headers)
        .map(([name, value]) => `${name}: ${value}`)
        .join(
          "\n",
        )}${a.body ? `\n\n${a.body}${a.bodyTruncated ? "\n… (cut at 64 KiB)" : ""}` : ""}</pre>
    </details>
  </li>`;
}

export function Journal({ mocks, onError }) {
  const [entries, setEntries] = useState([]);
  const [live, setLive] = useState(true);

  useEffect(() => {
    if (!live) return undefined;
    let stopped = false;
    let timer;
    const poll = async () => {
      if (!document.hidden) {
        try {
          const page = await listRequests();
          if (!stopped) setEntries(page.data);
        } catch (error) {
          onError(error);
        }
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [live, onError]);

  const clear = async () => {
    try {
      await clearRequests();
      setEntries([]);
    } catch (error) {
      onError(error);
    }
  };

  return html`<section class="panel journal">
    <header class="panel-head">
      <h2>Request journal</h2>
      <label class="toggle"><input type="checkbox" checked=${live} onChange=${(e) => setLive(e.currentTarget.checked)} /> Live</label>
      <button type="button" class="quiet" onClick=${clear}>Clear</button>
    </header>
    ${
      entries.length === 0
        ? html`<p class="empty">No requests yet. Call a mock and it shows up here within a second.</p>`
        : html`<ol class="entries">
            ${entries.map((entry) => html`<${Entry} key=${entry.id} entry=${entry} mocks=${mocks} />`)}
          </ol>`
    }
  </section>`;
}
