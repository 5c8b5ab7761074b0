// A self-contained API reference: no CDN, no inline script (the CSP forbids both).

export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sextant API</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;color:#1d2330}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ddd}
details{border:1px solid #e3e6ec;border-radius:6px;margin:.4rem 0;padding:.3rem .6rem}
summary{cursor:pointer}code,pre{font:13px ui-monospace,monospace}pre{background:#f5f7fa;padding:.6rem;overflow:auto}
.m{display:inline-block;min-width:4.2rem;font-weight:600;text-transform:uppercase}.get{color:#1a7f37}.post{color:#0b5cad}
.put,.patch{color:#9a6700}.delete{color:#c0362c}.role{color:#666;font-size:.85em;margin-left:.5rem}
</style></head>
<body><h1>Sextant API</h1>
<p>Generated from <a href="/api/openapi.json">/api/openapi.json</a>. Authenticate with <code>Authorization: Bearer &lt;token&gt;</code>
(an access token from <code>POST /api/auth/login</code>, or an API token <code>sxt_…</code>).</p>
<div id="ops">Loading…</div>
<script src="/api/docs/docs.js"></script>
</body></html>
`;

export const DOCS_SCRIPT = `'use strict';
(async () => {
  const root = document.getElementById('ops');
  const doc = await (await fetch('/api/openapi.json')).json();
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const child of children) node.append(child);
    return node;
  };
  const byTag = new Map();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = (op.tags && op.tags[0]) || 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ path, method, op });
    }
  }
  root.textContent = '';
  for (const [tag, ops] of byTag) {
    root.append(el('h2', {}, tag));
    for (const { path, method, op } of ops) {
      const role = op['x-sextant-role'] ? 'role ' + op['x-sextant-role'] : 'public';
      const summary = el('summary', {}, el('span', { class: 'm ' + method }, method), el('code', {}, path), ' ', op.summary || '', el('span', { class: 'role' }, role));
      root.append(el('details', {}, summary, el('pre', {}, JSON.stringify({ parameters: op.parameters, requestBody: op.requestBody, responses: op.responses }, null, 2))));
    }
  }
})().catch((err) => { document.getElementById('ops').textContent = 'Could not load the document: ' + err; });
`;
