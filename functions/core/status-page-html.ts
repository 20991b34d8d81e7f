import { createHash } from 'node:crypto';

/**
 * The live status page: one HTML document with its style and script inline (no external asset, so
 * it works offline and behind the function URL alike). The page itself carries no data: it reads
 * `/status/events` (server-sent events, one snapshot each) with fetch() and a streamed body, sending
 * the operator key, when one is needed, as `Authorization: Bearer` (an EventSource cannot send a
 * header). It writes every value with textContent: nothing from the server is ever parsed as HTML.
 */
const STYLE = `
:root{color-scheme:light dark;--ok:#1a7f37;--warn:#b58100;--bad:#cf222e;--muted:#6e7781}
body{font:15px/1.4 system-ui,sans-serif;margin:0;padding:12px;max-width:980px;margin-inline:auto}
h1{font-size:1.2em;margin:0 0 4px}h2{font-size:1em;margin:18px 0 6px}
.meta{color:var(--muted);font-size:.85em}
section{margin-bottom:8px}
.alias{border:1px solid #8884;border-radius:8px;padding:8px;margin:6px 0}
.target{display:flex;flex-wrap:wrap;gap:6px 12px;align-items:center;padding:4px 0;border-top:1px solid #8882}
.target:first-of-type{border-top:0}
.key{font-family:ui-monospace,monospace;word-break:break-all;flex:1 1 14em}
.badge{border-radius:10px;padding:0 8px;font-size:.85em;color:#fff;background:var(--muted)}
.closed,.operational{background:var(--ok)}.half-open,.degraded{background:var(--warn)}.open,.partial,.major{background:var(--bad)}
.bar{flex:1 1 8em;height:8px;background:#8883;border-radius:4px;overflow:hidden}.bar span{display:block;height:100%;background:var(--ok)}
table{border-collapse:collapse;width:100%;font-size:.85em}td,th{text-align:left;padding:2px 6px;border-bottom:1px solid #8882}
td{font-family:ui-monospace,monospace;word-break:break-all}
.empty{color:var(--muted)}
.trouble{color:var(--bad)}.trouble:empty{display:none}
form{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:8px 0}input{flex:1 1 16em;font:inherit;padding:4px}
[hidden]{display:none!important}
`;

const SCRIPT = `
const $ = (tag, props = {}, ...kids) => { const e = document.createElement(tag); Object.assign(e, props); e.append(...kids); return e; };
const el = (id) => document.getElementById(id);
const STORED = 'understudy-operator-key';
let last, offset = 0, stream, retry;
// The operator key lives in this tab only (sessionStorage: gone when the tab closes), is sent in the
// Authorization header of a same-origin fetch, and never goes into a URL, a cookie or the history.
let key = sessionStorage.getItem(STORED) || '';
function countdown(until) { const s = Math.ceil((until - (Date.now() - offset)) / 1000); return s > 0 ? 'reopens in ' + s + ' s' : ''; }
function draw() {
  const s = last; el('board').hidden = !s; if (!s) return;
  const breakers = new Map(s.breakers.map((b) => [b.target, b]));
  el('aliases').replaceChildren(...s.aliases.map((a) => {
    const box = $('div', { className: 'alias' }, $('strong', { textContent: a.name }));
    box.dataset.alias = a.name;
    for (const t of a.targets) {
      const b = breakers.get(t.key);
      const effective = !b ? (s.breakersError ? 'unknown' : 'closed') : b.forced === 'auto' ? b.state : b.forced;
      const state = b && b.forced !== 'auto' ? 'forced ' + b.forced : effective;
      const share = s.traffic.find((x) => x.alias === a.name && x.target === t.key);
      const pct = share ? Math.round(share.share * 100) : 0;
      const row = $('div', { className: 'target' },
        $('span', { textContent: t.position + '.' }),
        $('span', { className: 'key', textContent: t.key + (t.usable ? '' : ' (no key)') }),
        $('span', { className: 'badge ' + effective, textContent: state }),
        $('span', { className: 'meta', textContent: b && b.state === 'open' ? countdown(b.openUntil) : '' }),
        $('span', { className: 'bar', title: pct + ' %' }, $('span', { style: 'width:' + pct + '%' })),
        $('span', { className: 'meta', textContent: (share ? share.served : 0) + ' served · ' + pct + ' %' }));
      row.dataset.target = t.key;
      row.dataset.state = effective;
      box.append(row);
    }
    return box;
  }));
  const configured = new Set(s.aliases.flatMap((a) => a.targets.map((t) => t.key)));
  const others = s.breakers.filter((b) => !configured.has(b.target));
  el('others').replaceChildren(...others.map((b) => {
    const effective = b.forced === 'auto' ? b.state : b.forced;
    const row = $('div', { className: 'target' }, $('span', { className: 'key', textContent: b.target }),
      $('span', { className: 'badge ' + effective, textContent: b.forced === 'auto' ? b.state : 'forced ' + b.forced }),
      $('span', { className: 'meta', textContent: b.state === 'open' ? countdown(b.openUntil) : '' }));
    row.dataset.target = b.target;
    row.dataset.state = effective;
    return row;
  }));
  el('others-box').hidden = others.length === 0;
  const rows = (id, list, cells, empty) => {
    el(id).replaceChildren(list.length ? $('table', {}, ...list.map((x) => $('tr', {}, ...cells(x).map((c) => $('td', { textContent: String(c) }))))) : $('p', { className: 'empty', textContent: empty }));
  };
  rows('attempts', s.attempts, (x) => [new Date(x.at).toLocaleTimeString(), x.alias, x.target, x.outcome, x.durationMs + ' ms'], 'no requests yet');
  rows('faults', s.faults, (x) => [x.provider, JSON.stringify(x.chaos)], 'no fault injected');
  rows('pages', s.statusPages, (x) => [x.provider, x.level, x.components.map((c) => c.name + ': ' + c.status).join(', ')],
    s.scope.statusPages ? 'no status page configured or read yet' : 'read by the health checker, not by this function: see the status-page alarms and the dashboard');
  const since = new Date(s.scope.since).toLocaleTimeString();
  el('scope').textContent = s.scope.view === 'instance'
    ? 'Traffic and attempts: this Lambda instance only (one of several, since ' + since + '); breakers: the shared table, every target.'
    : 'Traffic and attempts: this server (since ' + since + '); breakers: ' + (s.scope.breakers === 'table' ? 'the shared table.' : 'this server.');
  el('updated').textContent = 'updated ' + new Date(s.now).toLocaleTimeString();
  el('trouble').textContent = s.breakersError || '';
}
function status(text) { el('link').textContent = text; }
function ask(message) {
  el('why').textContent = message || '';
  el('login').hidden = false;
  el('forget').hidden = true;
  el('key').focus();
}
function later(ms) { clearTimeout(retry); retry = setTimeout(connect, ms); }
function stop() { clearTimeout(retry); if (stream) stream.abort(); stream = undefined; }
async function connect() {
  stop();
  if (document.hidden) return;
  const controller = new AbortController();
  stream = controller;
  let response;
  try {
    response = await fetch('status/events', { headers: key ? { authorization: 'Bearer ' + key } : {}, cache: 'no-store', signal: controller.signal });
  } catch (e) {
    if (stream === controller) { status('reconnecting…'); later(2000); }
    return;
  }
  if (response.status === 401 || response.status === 403) {
    const body = await response.json().catch(() => ({}));
    const message = (body.error && body.error.message) || 'this page needs the operator (admin) key';
    if (response.status === 401) { key = ''; sessionStorage.removeItem(STORED); last = undefined; draw(); ask(message); status('locked'); }
    else { el('why').textContent = message; status('refused'); later(30000); }
    return;
  }
  if (!response.ok || !response.body) { status('error ' + response.status + ', retrying'); later(5000); return; }
  el('login').hidden = true;
  el('forget').hidden = !key;
  el('why').textContent = '';
  status('live');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      for (let end = buffer.indexOf('\\n\\n'); end >= 0; end = buffer.indexOf('\\n\\n')) {
        const data = buffer.slice(0, end).split('\\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\\n');
        buffer = buffer.slice(end + 2);
        if (data) { last = JSON.parse(data); offset = Date.now() - last.now; draw(); }
      }
    }
  } catch (e) {
    // aborted (hidden tab, new key) or cut: reconnect below unless replaced
  }
  // The server ends each stream after a minute (a Lambda invocation must end): pick up at once.
  if (stream === controller) { status('reconnecting…'); later(500); }
}
el('login').addEventListener('submit', (e) => {
  e.preventDefault();
  key = el('key').value.trim();
  el('key').value = '';
  if (key) sessionStorage.setItem(STORED, key);
  connect();
});
el('forget').addEventListener('click', () => { key = ''; sessionStorage.removeItem(STORED); stop(); last = undefined; ['aliases', 'others', 'attempts', 'faults', 'pages', 'scope', 'updated'].forEach((id) => el(id).replaceChildren()); draw(); ask(''); status('locked'); });
// A hidden tab holds no stream open: on Lambda every open stream is a running invocation.
document.addEventListener('visibilitychange', () => { if (document.hidden) { stop(); status('paused'); } else connect(); });
setInterval(draw, 1000);
connect();
`;

const BODY = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Understudy status</title><style>${STYLE}</style></head>
<body><h1>Understudy</h1><p class="meta"><span id="link">connecting…</span> · <span id="updated"></span> <button id="forget" type="button" hidden>forget key</button></p>
<form id="login" method="post" hidden><label for="key">Operator (admin) key</label> <input id="key" type="password" autocomplete="off" spellcheck="false" placeholder="usa_…"> <button type="submit">Show status</button></form>
<p id="why" class="meta" role="status"></p>
<p id="scope" class="meta"></p>
<p id="trouble" class="trouble" role="alert"></p>
<main id="board" hidden>
<section><h2>Aliases: targets in order, breakers, traffic share (last 5 minutes)</h2><div id="aliases"></div></section>
<section id="others-box" hidden><h2>Other targets in the breaker table</h2><div id="others"></div></section>
<section><h2>Last attempts</h2><div id="attempts"></div></section>
<section><h2>Faults injected</h2><div id="faults"></div></section>
<section><h2>Provider status pages</h2><div id="pages"></div></section>
</main>
<script>${SCRIPT}</script></body></html>`;

const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Only this page's own inline style and script may run; it may connect only to its own origin. */
export const STATUS_PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': `default-src 'none'; style-src ${hash(STYLE)}; script-src ${hash(SCRIPT)}; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export const STATUS_PAGE_HTML = BODY;
