// The scaling series: wall time and controller peak memory over hosts and over tasks, as a table
// (bench/series.md), data (bench/series.json) and a plot (bench/scaling.svg).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fleetPlaybook } from './playbooks.mjs';

const TASK_ROUNDS = 5;

/** `only: 'tasks'` measures the task series alone and writes nothing (a quick look). */
export async function writeSeries({ setup, fleetRun, median, log, here, only }) {
  const byTasks = [];
  const { lab, dir } = await setup(50, 5);
  try {
    // the task counts alternate over rounds, so a busy moment of the machine hits all of them alike
    const runs = new Map([5, 20, 80].map((t) => [t, []]));
    for (let round = 0; round < TASK_ROUNDS; round++) {
      for (const [t, got] of runs) {
        writeFileSync(join(dir, 'fleet.yaml'), fleetPlaybook(t));
        const a = await fleetRun(dir, lab, t + 1000 * round);
        const b = await fleetRun(dir, lab, t + 1000 * round);
        got.push({ a, b });
        log(`series: 50 hosts, ${t} tasks, round ${round + 1}: apply ${a.s.toFixed(2)} s (controller CPU ${a.cpu.toFixed(2)} s), no-op ${b.s.toFixed(2)} s (CPU ${b.cpu.toFixed(2)} s)`);
      }
    }
    for (const [t, got] of runs) {
      const m = (f) => median(got.map(f));
      byTasks.push({ hosts: 50, tasks: t, apply_s: m((r) => r.a.s), noop_s: m((r) => r.b.s), apply_cpu_s: m((r) => r.a.cpu), noop_cpu_s: m((r) => r.b.cpu), peak_rss_mb: Math.round(Math.max(...got.map((r) => Math.max(r.a.rss, r.b.rss)))) });
    }
  } finally {
    await lab.stop();
  }
  if (only === 'tasks') return;
  const byHosts = [];
  for (const n of [10, 50, 100, 200, 500]) {
    const { lab, dir } = await setup(n, 20);
    try {
      const a = await fleetRun(dir, lab, 1);
      const b = await fleetRun(dir, lab, 1);
      byHosts.push({ hosts: n, tasks: 20, apply_s: a.s, noop_s: b.s, apply_cpu_s: a.cpu, noop_cpu_s: b.cpu, peak_rss_mb: Math.round(Math.max(a.rss, b.rss)) });
      log(`series: ${n} hosts: apply ${a.s.toFixed(2)} s, no-op ${b.s.toFixed(2)} s, ${Math.round(a.rss)} MB`);
    } finally {
      await lab.stop();
    }
  }
  writeFileSync(join(here, 'series.json'), `${JSON.stringify({ byHosts, byTasks, at: new Date().toISOString() }, null, 2)}\n`);
  const t = (rows) => rows.map((r) => `| ${r.hosts} | ${r.tasks} | ${r.apply_s.toFixed(2)} | ${r.noop_s.toFixed(2)} | ${r.apply_cpu_s.toFixed(2)} | ${r.noop_cpu_s.toFixed(2)} | ${r.peak_rss_mb} |`).join('\n');
  writeFileSync(join(here, 'series.md'), `Task rows: medians of ${TASK_ROUNDS} alternating rounds.\n\n| hosts | tasks | apply s | no-change s | apply controller CPU s | no-change controller CPU s | peak RSS MB |\n|---|---|---|---|---|---|---|\n${t(byHosts)}\n${t(byTasks)}\n\n80 vs 5 tasks at 50 hosts: +${(((byTasks[2].apply_s / byTasks[0].apply_s) - 1) * 100).toFixed(0)}% wall time (apply), +${(((byTasks[2].noop_s / byTasks[0].noop_s) - 1) * 100).toFixed(0)}% (no change); controller CPU +${(((byTasks[2].apply_cpu_s / byTasks[0].apply_cpu_s) - 1) * 100).toFixed(0)}% (apply), +${(((byTasks[2].noop_cpu_s / byTasks[0].noop_cpu_s) - 1) * 100).toFixed(0)}% (no change)\n`);
  writeFileSync(join(here, 'scaling.svg'), svg(byHosts));
  console.log(`series written: bench/series.md, bench/series.json, bench/scaling.svg`);
}

/** A small line chart: wall seconds (apply, no change) and peak RSS over host count. */
function svg(rows) {
  const W = 640, H = 360, L = 60, R = 60, T = 30, B = 50;
  const maxX = Math.max(...rows.map((r) => r.hosts));
  const maxS = Math.max(...rows.map((r) => r.apply_s)) * 1.1;
  const maxM = Math.max(...rows.map((r) => r.peak_rss_mb)) * 1.1;
  const x = (v) => L + (v / maxX) * (W - L - R);
  const ys = (v) => H - B - (v / maxS) * (H - T - B);
  const ym = (v) => H - B - (v / maxM) * (H - T - B);
  const line = (f, color) => `<polyline fill="none" stroke="${color}" stroke-width="2" points="${rows.map((r) => `${x(r.hosts).toFixed(1)},${f(r).toFixed(1)}`).join(' ')}"/>` + rows.map((r) => `<circle cx="${x(r.hosts).toFixed(1)}" cy="${f(r).toFixed(1)}" r="3" fill="${color}"/>`).join('');
  const ticks = rows.map((r) => `<text x="${x(r.hosts).toFixed(1)}" y="${H - B + 18}" font-size="11" text-anchor="middle">${r.hosts}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="18" font-size="14" text-anchor="middle">fleet: 20 tasks, wall time and controller peak RSS by host count</text>
<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/><line x1="${W - R}" y1="${T}" x2="${W - R}" y2="${H - B}" stroke="black"/>
${ticks}<text x="${W / 2}" y="${H - 12}" font-size="12" text-anchor="middle">hosts</text>
<text x="14" y="${H / 2}" font-size="12" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">seconds (max ${maxS.toFixed(1)})</text>
<text x="${W - 14}" y="${H / 2}" font-size="12" transform="rotate(90 ${W - 14} ${H / 2})" text-anchor="middle">peak RSS MB (max ${maxM.toFixed(0)})</text>
${line((r) => ys(r.apply_s), '#d62728')}${line((r) => ys(r.noop_s), '#1f77b4')}${line((r) => ym(r.peak_rss_mb), '#2ca02c')}
<text x="${L + 10}" y="${T + 14}" font-size="12" fill="#d62728">apply (changes), s</text>
<text x="${L + 10}" y="${T + 30}" font-size="12" fill="#1f77b4">apply (no change), s</text>
<text x="${L + 10}" y="${T + 46}" font-size="12" fill="#2ca02c">peak RSS, MB</text>
</svg>
`;
}
