// The audit for people: one self-contained HTML file (inline CSS and JS, no external URL) with a
// summary (scope, problems by severity, what changed since the last audit), a per-problem view
// (problem -> affected hosts, fix), a host × problem matrix, a severity filter, each host's
// problems with evidence and fix, and what could not be checked folded away with its reason.
import { writeFileAtomic } from '../util/atomic-file.js';
import { redact } from '../secrets/registry.js';
import { findingsOf, fixOf, problemsOf, SEVERITIES, unknownsOf, type AuditCheck, type AuditReport } from './model.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:center}
th.problem{writing-mode:vertical-rl;transform:rotate(180deg);text-align:left;font-weight:normal;max-height:18em}
td.host,th.host{text-align:left;font-weight:bold}.sev-critical{background:#b71c1c;color:#fff}.sev-high{background:#e65100;color:#fff}
.sev-medium{background:#f9a825}.sev-low{background:#fff59d}.sev-info{background:#e3f2fd}.st-could-not-check{background:#eee;color:#555}
.st-unreachable{background:#555;color:#fff}.st-ok{color:#2e7d32}.hidden{display:none}section.host{margin:1em 0}
li.finding{margin:.5em 0}.id{font-family:monospace;font-size:11px;color:#666}#problems td{text-align:left}td.count{text-align:right}details.more{display:inline}#overview{background:#f5f5f5;padding:.5em 1em}.evidence{font-family:monospace;font-size:12px;color:#444;white-space:pre-wrap}.fix{color:#1b5e20}`;

// clicking a severity shows the problems at or above it (cells, columns and detail items)
const JS = `const order=${JSON.stringify(SEVERITIES)};
function show(min){const r=order.indexOf(min);
for(const el of document.querySelectorAll('[data-severity]')){el.classList.toggle('hidden',order.indexOf(el.dataset.severity)>r)}
for(const b of document.querySelectorAll('button[data-min]'))b.setAttribute('aria-pressed',String(b.dataset.min===min))}
for(const b of document.querySelectorAll('button[data-min]'))b.addEventListener('click',()=>show(b.dataset.min));`;

function cell(host: string, id: string, c: AuditCheck | undefined): string {
  const data = `data-host="${esc(host)}" data-problem="${esc(id)}"`;
  if (!c) return `<td ${data} data-status="none">—</td>`;
  if (c.status === 'finding') return `<td ${data} data-status="finding" data-severity="${c.severity}" class="sev-${c.severity}" title="${esc(c.evidence.join('\n'))}">${c.severity}</td>`;
  if (c.status === 'ok') return `<td ${data} data-status="ok" class="st-ok">ok</td>`;
  return `<td ${data} data-status="${c.status}" class="st-${c.status}" title="${esc(c.evidence.join('\n'))}">${c.status === 'unreachable' ? 'unreachable' : '?'}</td>`;
}

const list = (hosts: readonly string[], cap = 12): string => esc(hosts.slice(0, cap).join(', ')) + (hosts.length > cap ? ` <details class="more"><summary>and ${hosts.length - cap} more</summary>${esc(hosts.slice(cap).join(', '))}</details>` : '');
const sevBadge = (sev: string) => `<span class="sev-${sev}">${sev}</span>`;

function summary(r: AuditReport): string {
  const s = r.summary;
  const unknown = unknownsOf(r);
  const since = r.since
    ? `<p id="since">Since the last audit (${esc(r.since.startedAt)}): ${r.since.added.length} new, ${r.since.resolved.length} resolved.${r.since.added.length ? ` New: ${esc(r.since.added.join(', '))}.` : ''}${r.since.resolved.length ? ` Resolved: ${esc(r.since.resolved.join(', '))}.` : ''}</p>`
    : '<p id="since">No earlier audit of this inventory is kept: the next one shows what changed.</p>';
  return `<section id="overview"><p id="summary">${s.hosts} hosts, ${s.findings} problems (${SEVERITIES.map((x) => `${s.bySeverity[x]} ${x}`).join(', ')}), ${s.unreachable} unreachable${unknown.length ? `; ${new Set(unknown.map((u) => u.id)).size} checks could not run on some hosts (below)` : ''}. Nothing was changed.</p>
<p id="scope">Inventory ${esc(r.inventory ?? 'localhost (default)')}; started ${esc(r.startedAt)}, took ${(r.durationMs / 1000).toFixed(1)} s; playbooks ${esc(r.playbooks.map((p) => p.split('/').pop() ?? p).join(', '))}.</p>
${since}</section>`;
}

function problemTable(r: AuditReport): string {
  const rows = problemsOf(r).map((p) => `<tr data-problem="${esc(p.id)}" data-severity="${p.severity}"><td>${sevBadge(p.severity)}</td><td class="title">${esc(p.title)}<div class="id">${esc(p.id)}</div></td><td class="count">${p.hosts.length}</td><td class="hosts">${list(p.hosts)}</td><td class="fix">${esc(p.fix)}</td></tr>`);
  if (!rows.length) return '<section id="problems"><h2>Problems</h2><p>No problems found.</p></section>';
  return `<section id="problems"><h2>Problems</h2><table><tr><th>severity</th><th>problem</th><th>hosts</th><th>affected hosts</th><th>fixed by / advice</th></tr>
${rows.join('\n')}</table></section>`;
}

export function auditHtml(r: AuditReport): string {
  // columns: every problem found somewhere, worst first, each headed by its title
  const cols = problemsOf(r);
  const head = `<tr><th class="host">host</th>${cols.map((p) => `<th class="problem" data-problem="${esc(p.id)}" data-severity="${p.severity}" title="${esc(p.id)}">${esc(p.title)}</th>`).join('')}</tr>`;
  const rows = r.hosts.map((h) => `<tr data-host="${esc(h.host)}" data-status="${h.status}"><td class="host">${esc(h.host)}</td>${cols.map(({ id }) => cell(h.host, id, h.checks.find((c) => c.id === id && c.status === 'finding') ?? h.checks.find((c) => c.id === id))).join('')}</tr>`).join('\n');
  const details = r.hosts.map((h) => {
    const items = findingsOf(h).map((c) => `<li class="finding" data-problem="${esc(c.id)}" data-severity="${c.severity}">${sevBadge(c.severity)} <b>${esc(c.title)}</b> <span class="id">${esc(c.id)}</span><div class="evidence">${esc(c.evidence.join('\n'))}</div><div class="fix">${c.fixedBy ? 'fixed by: ' : 'advice: '}${esc(fixOf(c))}</div></li>`);
    const state = h.status === 'ok' ? '' : ` <span class="st-unreachable">${h.status}: ${esc(h.error ?? '')}</span>`;
    return `<section class="host" data-host="${esc(h.host)}"><h3>${esc(h.host)}${state}</h3><ul>${items.join('') || '<li>no problems found</li>'}</ul></section>`;
  }).join('\n');
  const unknown = unknownsOf(r);
  const folded = unknown.length
    ? `<details id="unknown"><summary>Could not check (${new Set(unknown.map((u) => u.id)).size} checks): what these hosts cannot show, with the reason</summary><ul>${unknown.map((u) => `<li data-problem="${esc(u.id)}"><b>${esc(u.title)}</b> <span class="id">${esc(u.id)}</span> on ${list(u.hosts)}: ${esc(u.reason)}</li>`).join('')}</ul></details>`
    : '';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>fleet audit — ${esc(r.startedAt)}</title><style>${CSS}</style></head>
<body><h1>fleet audit</h1>
${summary(r)}
<p>show: ${SEVERITIES.map((x) => `<button type="button" data-min="${x}" aria-pressed="${x === 'info'}">${x === 'info' ? 'all' : `${x}${x === 'critical' ? '' : ' and worse'}`}</button>`).join(' ')}</p>
${problemTable(r)}
<h2>Hosts × problems</h2>
<table id="matrix">${head}
${rows}</table>
<h2>Per host</h2>
${details}
${folded}
<script>${JS}</script></body></html>
`;
  return redact(html);
}

/** Written atomically: a reader never sees half a report. */
export function writeAuditHtml(file: string, r: AuditReport): void {
  writeFileAtomic(file, auditHtml(r));
}
