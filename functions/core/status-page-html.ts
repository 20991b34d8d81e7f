import { createHash } from 'node:crypto';

/**
 * The live status page: one HTML document with its style and script inline (no external asset, so
 * it works offline and behind the function URL alike). It draws from `/status/events` (server-sent
 * events, one snapshot each) and writes every value with textContent: nothing from the server is
 * ever parsed as HTML.
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
`;

const SCRIPT = `
const $ = (tag, props = {}, ...kids) => { const e = document.createElement(tag); Object.assign(e, props); e.append(...kids); return e; };
let last, offset = 0;
function countdown(until) { const s = Math.ceil((until - (Date.now() - offset)) / 1000); return s > 0 ? 'reopens in ' + s + ' s' : ''; }
function draw() {
  const s = last; if (!s) return;
  const breakers = new Map(s.breakers.map((b) => [b.target, b]));
  const aliases = document.getElementById('aliases');
  aliases.replaceChildren(...s.aliases.map((a) => {
    const box = $('div', { className: 'alias' }, $('strong', { textContent: a.name }));
    box.dataset.alias = a.name;
    for (const t of a.targets) {
      const b = breakers.get(t.key);
      const effective = !b ? 'closed' : b.forced === 'auto' ? b.state : b.forced;
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
  const rows = (id, list, cells, empty) => {
    const el = document.getElementById(id);
    el.replaceChildren(list.length ? $('table', {}, ...list.map((x) => $('tr', {}, ...cells(x).map((c) => $('td', { textContent: String(c) }))))) : $('p', { className: 'empty', textContent: empty }));
  };
  rows('attempts', s.attempts, (x) => [new Date(x.at).toLocaleTimeString(), x.alias, x.target, x.outcome, x.durationMs + ' ms'], 'no requests yet');
  rows('faults', s.faults, (x) => [x.provider, JSON.stringify(x.chaos)], 'no fault injected');
  rows('pages', s.statusPages, (x) => [x.provider, x.level, x.components.map((c) => c.name + ': ' + c.status).join(', ')], 'no status page configured or read yet');
  document.getElementById('updated').textContent = 'updated ' + new Date(s.now).toLocaleTimeString();
}
function connect() {
  const source = new EventSource('status/events');
  source.onmessage = (e) => { last = JSON.parse(e.data); offset = Date.now() - last.now; draw(); document.getElementById('link').textContent = 'live'; };
  source.onerror = () => { document.getElementById('link').textContent = 'reconnecting…'; };
}
setInterval(draw, 1000);
connect();
`;

const BODY = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Understudy status</title><style>${STYLE}</style></head>
<body><h1>Understudy</h1><p class="meta"><span id="link">connecting…</span> · <span id="updated"></span></p>
<section><h2>Aliases: targets in order, breakers, traffic share (last 5 minutes)</h2><div id="aliases"></div></section>
<section><h2>Last attempts</h2><div id="attempts"></div></section>
<section><h2>Faults injected</h2><div id="faults"></div></section>
<section><h2>Provider status pages</h2><div id="pages"></div></section>
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
