// The audit for people: one self-contained HTML file (inline CSS and JS, no external URL) with a
// host × problem matrix, a severity filter, and each problem's evidence and fix per host.
import { writeFileAtomic } from '../util/atomic-file.js';
import { redact } from '../secrets/registry.js';
import { findingsOf, fixOf, severityRank, SEVERITIES, type AuditCheck, type AuditReport } from './model.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:center}
th.problem{writing-mode:vertical-rl;transform:rotate(180deg);text-align:left;font-weight:normal;max-height:18em}
td.host,th.host{text-align:left;font-weight:bold}.sev-critical{background:#b71c1c;color:#fff}.sev-high{background:#e65100;color:#fff}
.sev-medium{background:#f9a825}.sev-low{background:#fff59d}.sev-info{background:#e3f2fd}.st-could-not-check{background:#eee;color:#555}
.st-unreachable{background:#555;color:#fff}.st-ok{color:#2e7d32}.hidden{display:none}section.host{margin:1em 0}
li.finding{margin:.5em 0}.evidence{font-family:monospace;font-size:12px;color:#444;white-space:pre-wrap}.fix{color:#1b5e20}`;

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

export function auditHtml(r: AuditReport): string {
  // columns: every problem found somewhere, worst first
  const cols = new Map<string, AuditCheck>();
  for (const h of r.hosts) for (const c of findingsOf(h)) if (!cols.has(c.id) || severityRank(c.severity) < severityRank(cols.get(c.id)!.severity)) cols.set(c.id, c);
  const ids = [...cols.keys()].sort((a, b) => severityRank(cols.get(a)!.severity) - severityRank(cols.get(b)!.severity) || a.localeCompare(b));
  const head = `<tr><th class="host">host</th>${ids.map((id) => `<th class="problem" data-problem="${esc(id)}" data-severity="${cols.get(id)!.severity}" title="${esc(cols.get(id)!.title)}">${esc(id)}</th>`).join('')}</tr>`;
  const rows = r.hosts.map((h) => `<tr data-host="${esc(h.host)}" data-status="${h.status}"><td class="host">${esc(h.host)}</td>${ids.map((id) => cell(h.host, id, h.checks.find((c) => c.id === id && c.status === 'finding') ?? h.checks.find((c) => c.id === id))).join('')}</tr>`).join('\n');
  const details = r.hosts.map((h) => {
    const items = findingsOf(h).map((c) => `<li class="finding" data-problem="${esc(c.id)}" data-severity="${c.severity}"><span class="sev-${c.severity}">${c.severity}</span> <b>${esc(c.id)}</b>: ${esc(c.title)}<div class="evidence">${esc(c.evidence.join('\n'))}</div><div class="fix">${c.fixedBy ? 'fixed by: ' : 'advice: '}${esc(fixOf(c))}</div></li>`);
    const unknown = h.checks.filter((c) => c.status === 'could-not-check').map((c) => `<li class="unknown" data-problem="${esc(c.id)}">could not check <b>${esc(c.id)}</b>: ${esc(c.evidence.join('; '))}</li>`);
    const state = h.status === 'ok' ? '' : ` <span class="st-unreachable">${h.status}: ${esc(h.error ?? '')}</span>`;
    return `<section class="host" data-host="${esc(h.host)}"><h2>${esc(h.host)}${state}</h2><ul>${[...items, ...unknown].join('') || '<li>no problems found</li>'}</ul></section>`;
  }).join('\n');
  const s = r.summary;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>fleet audit — ${esc(r.startedAt)}</title><style>${CSS}</style></head>
<body><h1>fleet audit</h1>
<p id="summary">${s.hosts} hosts, ${s.findings} problems (${SEVERITIES.map((x) => `${s.bySeverity[x]} ${x}`).join(', ')}), ${s.couldNotCheck} could not be checked, ${s.unreachable} unreachable. Started ${esc(r.startedAt)}; nothing was changed.</p>
<p>show: ${SEVERITIES.map((x) => `<button type="button" data-min="${x}" aria-pressed="${x === 'info'}">${x === 'info' ? 'all' : `${x}${x === 'critical' ? '' : ' and worse'}`}</button>`).join(' ')}</p>
<table id="matrix">${head}
${rows}</table>
${details}
<script>${JS}</script></body></html>
`;
  return redact(html);
}

/** Written atomically: a reader never sees half a report. */
export function writeAuditHtml(file: string, r: AuditReport): void {
  writeFileAtomic(file, auditHtml(r));
}
