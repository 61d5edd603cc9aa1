// The operator console: one static page and its script. They hold no data and no
// secret; the script asks for the API key, keeps it in sessionStorage (this tab only,
// never in the URL) and calls the JSON routes under /v1/console with it as a bearer token.

/** Content-Security-Policy of the page: only its own script and the gateway's JSON. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>FleetSign operator console</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
  header { background: #1d2330; color: #fff; padding: 10px 20px; display: flex; gap: 16px; align-items: center; }
  header h1 { font-size: 16px; margin: 0; flex: 1; }
  header a { color: #9ecbff; }
  main { padding: 16px 20px; display: grid; gap: 16px; }
  section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 12px 16px; }
  h2 { font-size: 14px; margin: 0 0 8px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eef0f3; font-variant-numeric: tabular-nums; }
  .tiles { display: flex; gap: 12px; flex-wrap: wrap; }
  .tile { border: 1px solid #dde1e7; border-radius: 6px; padding: 8px 12px; min-width: 110px; }
  .tile b { display: block; font-size: 20px; }
  .state-failed, .bad { color: #b42318; font-weight: 600; }
  .state-succeeded, .good { color: #067647; }
  .bar { background: #eef0f3; border-radius: 3px; height: 8px; width: 160px; display: inline-block; vertical-align: middle; }
  .bar > span { background: #2e90fa; height: 8px; display: block; border-radius: 3px; }
  code { font-size: 12px; }
  #login { max-width: 420px; margin: 60px auto; }
  .hidden { display: none; }
  input[type=password], input[type=search] { padding: 6px; width: 100%; box-sizing: border-box; }
</style>
</head>
<body>
<header><h1>FleetSign operator console</h1><span id="status"></span><a id="queues" class="hidden" href="/console/queues/">Queue dashboard (read-only)</a><button id="logout" class="hidden" type="button">Log out</button></header>
<section id="login">
  <h2>Log in</h2>
  <p>API key with the <code>operator</code> or <code>admin</code> scope. It stays in this tab (sessionStorage), never in the URL.</p>
  <form id="login-form"><input id="api-key" type="password" autocomplete="off" placeholder="fsk_…" aria-label="API key"> <button type="submit">Log in</button></form>
  <p id="login-error" class="bad"></p>
</section>
<main id="app" class="hidden">
  <section><h2>Queues and signers</h2><div class="tiles" id="tiles"></div><p id="idle" class="bad"></p></section>
  <section><h2>Pending approvals</h2><table id="approvals"></table><p id="approval-error" class="bad"></p></section>
  <section><h2>Failures by code (last 5 min)</h2><table id="failures"></table></section>
  <section><h2>Search</h2><form id="search-form"><input id="search" type="search" placeholder="job id, batch id or image SHA-256" aria-label="Search"></form><div id="search-result"></div></section>
  <section><h2>Recent jobs</h2><table id="jobs"></table></section>
  <section><h2>Batches</h2><table id="batches"></table></section>
  <section><h2>Signer health: profiles and keys</h2><table id="profiles"></table></section>
  <section><h2>Signer health: each signer's profiles, keys and sessions</h2><table id="signer-health"></table></section>
  <section><h2>Transparency log: latest checkpoint</h2><table id="checkpoint"></table></section>
</main>
<script src="/console/console.js"></script>
</body>
</html>
`;

export const CONSOLE_JS = `'use strict';
(() => {
  const KEY = 'fleetsign.console.apiKey';
  const $ = (id) => document.getElementById(id);
  const text = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
  const when = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '');
  let timer;

  async function call(path) {
    const res = await fetch(path, { headers: { authorization: 'Bearer ' + sessionStorage.getItem(KEY) }, cache: 'no-store' });
    if (res.status === 401 || res.status === 403) { logout((await res.json()).detail); throw new Error('unauthorised'); }
    if (!res.ok) throw new Error('HTTP ' + res.status);
    return res.json();
  }

  async function post(path, body) {
    const res = await fetch(path, { method: 'POST', headers: { authorization: 'Bearer ' + sessionStorage.getItem(KEY), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = await res.json();
    if (!res.ok) throw new Error(answer.code + ': ' + answer.detail);
    return answer;
  }

  // Dual control: jobs and batches waiting for approvers; the buttons show where this key may decide.
  function approvalRows(list) {
    if (list.length === 0) return '<tr><td>none pending</td></tr>';
    return '<tr><th>job or batch</th><th>tenant</th><th>profile</th><th>requested by</th><th>approvals</th><th>expires</th><th>decide</th></tr>' +
      list.map((a) => '<tr data-approval="' + text(a.id) + '"><td><code>' + text(a.id) + '</code>' + (a.subject === 'batch' ? ' (' + text(a.total) + ' items)' : '') +
        '</td><td>' + text(a.tenant) + '</td><td>' + text(a.profile) + '</td><td>' + text(a.requester) + '</td><td>' + a.approval.approved + ' of ' + a.approval.required +
        (a.approval.decisions.length ? ' (' + a.approval.decisions.map((d) => text(d.approver)).join(', ') + ')' : '') + '</td><td>' + when(a.approval.expiresAt) + '</td><td>' +
        (a.mayDecide ? '<input class="comment" placeholder="comment" aria-label="comment"> <button type="button" data-decide="approve">Approve</button> <button type="button" data-decide="reject">Reject</button>'
          : '<span title="requester, not an approver, or another tenant">—</span>') + '</td></tr>').join('');
  }

  async function refreshApprovals() {
    try { $('approvals').innerHTML = approvalRows((await call('/v1/approvals')).approvals); } catch (err) { $('approval-error').textContent = String(err.message); }
  }

  function jobRows(jobs) {
    return '<tr><th>job</th><th>state</th><th>code</th><th>tenant</th><th>profile</th><th>batch</th><th>finished</th></tr>' +
      jobs.map((j) => '<tr data-job="' + text(j.id) + '"><td><code>' + text(j.id) + '</code></td><td class="state-' + text(j.state) + '">' + text(j.state) +
        '</td><td class="bad" title="' + text(j.error && j.error.message) + '">' + text(j.error && j.error.code) + '</td><td>' + text(j.tenant) + '</td><td>' + text(j.profile) +
        '</td><td><code>' + text(j.batchId) + '</code></td><td>' + when(j.finishedAt) + '</td></tr>').join('');
  }

  function batchRows(batches) {
    return '<tr><th>batch</th><th>state</th><th>progress</th><th>signed</th><th>failed</th><th>queued</th><th>tenant</th><th>profile</th></tr>' +
      batches.map((b) => '<tr><td><code>' + text(b.id) + '</code></td><td>' + text(b.state) + '</td><td><span class="bar"><span style="width:' +
        Math.round(b.progress * 100) + '%"></span></span> ' + Math.round(b.progress * 100) + '%</td><td class="good">' + b.counts.succeeded +
        '</td><td class="bad">' + b.counts.failed + '</td><td>' + b.counts.queued + '</td><td>' + text(b.tenant) + '</td><td>' + text(b.profile) + '</td></tr>').join('');
  }

  function render(o) {
    const s = o.queues.sign;
    const tiles = [['queued', s.waiting + s.prioritized + s.delayed], ['active', s.active], ['signed', s.completed], ['failed', s.failed],
      ['jobs/min (5 min)', o.throughput.perMinute], ['signers', o.signers === null ? '?' : o.signers], ['webhooks pending', o.queues.webhook.waiting + o.queues.webhook.prioritized + o.queues.webhook.delayed + o.queues.webhook.active]];
    $('tiles').innerHTML = tiles.map(([name, value]) => '<div class="tile">' + text(name) + '<b>' + text(value) + '</b></div>').join('');
    const waiting = s.waiting + s.prioritized;
    $('idle').textContent = o.signers === 0 ? 'No signer is taking jobs' + (waiting > 0 ? ': ' + waiting + ' waiting' : '') + '.' : '';
    const codes = Object.entries(o.throughput.failuresByCode).sort((a, b) => b[1] - a[1]);
    $('failures').innerHTML = codes.length === 0 ? '<tr><td>none</td></tr>' : codes.map(([code, n]) => '<tr><td class="bad">' + text(code) + '</td><td>' + n + '</td></tr>').join('');
    $('jobs').innerHTML = jobRows(o.recentJobs);
    $('batches').innerHTML = o.batches.length === 0 ? '<tr><td>none recently</td></tr>' : batchRows(o.batches);
    $('profiles').innerHTML = '<tr><th>profile</th><th>scheme</th><th>state</th><th>chips</th><th>keys published by a signer</th></tr>' +
      o.profiles.map((p) => '<tr><td>' + text(p.name) + '</td><td>' + text(p.scheme) + '</td><td>' + text(p.state) + '</td><td>' + text((p.allowedChips || ['all']).join(', ')) +
        '</td><td>' + (p.published ? '<span class="good">' + p.published.keys.length + ' key(s)</span> ' + p.published.keys.map((k) => '<code>' + text(k.keyDigestSha256.slice(0, 16)) + '…</code>').join(' ') + ' at ' + when(p.published.at)
          : '<span class="bad">not published (no signer opened its keys)</span>') + '</td></tr>').join('');
    const sessions = (s) => (s ? s.busy + ' busy, ' + s.idle + ' idle of ' + s.size + (s.waiting ? ', ' + s.waiting + ' waiting' : '') : '');
    $('signer-health').innerHTML = o.signerHealth.length === 0 ? '<tr><td class="bad">no signer has reported in the last 30 s</td></tr>' :
      '<tr><th>signer</th><th>reported</th><th>profile</th><th>state</th><th>keys</th><th>PKCS#11 sessions</th></tr>' +
      o.signerHealth.flatMap((r) => r.profiles.map((p) => '<tr data-signer="' + text(r.instance) + '" data-profile="' + text(p.name) + '"><td>' + text(r.instance) + '</td><td>' + when(r.reportedAt) +
        '</td><td>' + text(p.name) + '</td><td class="' + (p.state === 'available' ? 'good' : 'bad') + '">' + text(p.state) + (p.error ? ': ' + text(p.error.code) : '') +
        '</td><td>' + text(p.keys) + '</td><td>' + text(sessions(p.sessions)) + '</td></tr>')).join('');
    const c = o.checkpoint;
    $('checkpoint').innerHTML = c
      ? '<tr><th>entries</th><td>' + text(c.size) + '</td></tr><tr><th>root hash</th><td><code>' + text(c.rootHash) + '</code></td></tr>' +
        '<tr><th>written</th><td>' + (c.writtenAt ? when(c.writtenAt) : '?') + '</td></tr><tr><th>origin</th><td>' + text(c.origin) + '</td></tr>'
      : '<tr><td class="bad">no checkpoint yet</td></tr>';
    $('status').textContent = 'updated ' + when(o.generatedAt);
  }

  async function refresh() {
    try { render(await call('/v1/console/overview')); } catch (err) { $('status').textContent = String(err.message); }
    await refreshApprovals();
  }

  // The queue dashboard is a page of its own: it gets a session cookie, never the key.
  async function openDashboardSession() {
    const res = await fetch('/v1/console/session', { method: 'POST', headers: { authorization: 'Bearer ' + sessionStorage.getItem(KEY) } });
    if (res.ok) $('queues').classList.remove('hidden');
  }

  function start() {
    $('login').classList.add('hidden'); $('app').classList.remove('hidden'); $('logout').classList.remove('hidden');
    refresh(); openDashboardSession(); clearInterval(timer); timer = setInterval(refresh, 5000);
  }

  function logout(reason) {
    sessionStorage.removeItem(KEY); clearInterval(timer);
    $('app').classList.add('hidden'); $('logout').classList.add('hidden'); $('queues').classList.add('hidden'); $('login').classList.remove('hidden');
    $('login-error').textContent = reason || '';
  }

  $('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $('api-key').value.trim()); $('api-key').value = ''; start();
  });
  $('logout').addEventListener('click', () => logout());
  $('approvals').addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-decide]');
    if (!button) return;
    const row = button.closest('tr[data-approval]');
    const id = row.getAttribute('data-approval');
    const comment = row.querySelector('.comment').value.trim();
    $('approval-error').textContent = '';
    try {
      await post('/v1/' + (id.startsWith('batch_') ? 'batches' : 'jobs') + '/' + encodeURIComponent(id) + '/approvals',
        Object.assign({ decision: button.getAttribute('data-decide') }, comment ? { comment } : {}));
    } catch (err) { $('approval-error').textContent = String(err.message); }
    refresh();
  });
  $('search-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const q = $('search').value.trim();
    if (!q) return;
    const r = await call('/v1/console/search?q=' + encodeURIComponent(q));
    $('search-result').innerHTML = (r.batch ? '<table>' + batchRows([r.batch]) + '</table>' : '') +
      (r.jobs.length ? '<table>' + jobRows(r.jobs) + '</table>' : r.batch ? '' : '<p>nothing found</p>');
  });
  if (sessionStorage.getItem(KEY)) start();
})();
`;
