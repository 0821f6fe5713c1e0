// `node bench/run.mjs --profile`: where fleet's controller time goes. Runs fleet under --cpu-prof
// (apply with changes, then no-op) and sums self time by origin: ssh2's crypto and protocol,
// Node's own internals, fleet's code, everything else.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const origin = (url) => {
  if (!url) return '(native / idle / gc)';
  if (url.includes('/node_modules/ssh2/') || url.includes('/node_modules/cpu-features/')) return 'ssh2';
  if (url.includes('/node_modules/')) return `dependency ${url.split('/node_modules/').pop().split('/')[0]}`;
  if (url.includes('/dist/')) return `fleet ${url.split('/dist/').pop().split('/')[0]}`;
  if (url.startsWith('node:')) return 'node internals';
  return url;
};

/** Self time in ms by origin, and the busiest functions, from one .cpuprofile. */
export function summarize(file) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const interval = (p.endTime - p.startTime) / 1000 / Math.max(1, p.samples.length);
  const byOrigin = new Map();
  const byFn = new Map();
  for (const n of p.nodes) {
    if (!n.hitCount) continue;
    const ms = n.hitCount * interval;
    const o = origin(n.callFrame.url);
    byOrigin.set(o, (byOrigin.get(o) ?? 0) + ms);
    const fn = `${n.callFrame.functionName || '(anonymous)'} ${o}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + ms);
  }
  const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k);
  return { total_ms: (p.endTime - p.startTime) / 1000, byOrigin: top(byOrigin, 12), byFn: top(byFn, 15) };
}

export async function profile({ setup, fleetRun, floor: floorOne, log, hosts, tasks }) {
  const { lab, dir } = await setup(hosts, tasks);
  try {
    // processes a run starts on a host: its pid namespace's last pid moves by one per fork (minus
    // what the reading itself costs)
    const pid = async () => Number((await lab.hosts[0].exec('cat /proc/loadavg')).stdout.trim().split(/\s+/).pop());
    const probe = -((await pid()) - (await pid()));
    const p0 = await pid();
    const f = await floorOne(lab);
    console.log(`floor: ${f.toFixed(2)} s; ${(await pid()) - p0 - probe} processes started on each host by connect + exec true`);
    for (const [name, round] of [['apply', 1], ['noop', 1]]) {
      const prof = join(dir, `prof-${name}`);
      const pid0 = await pid();
      const r = await fleetRun(dir, lab, round, [], ['--cpu-prof', '--cpu-prof-dir', prof]);
      const forks = (await pid()) - pid0 - probe;
      const s = summarize(join(prof, readdirSync(prof)[0]));
      console.log(`\n${name}: ${r.s.toFixed(2)} s wall, ${(s.total_ms / 1000).toFixed(2)} s profiled; ${forks} processes started on each host`);
      for (const [o, ms] of s.byOrigin) console.log(`  ${(ms / 1000).toFixed(2).padStart(6)} s  ${o}`);
      console.log('  busiest functions:');
      for (const [f, ms] of s.byFn) console.log(`  ${(ms / 1000).toFixed(2).padStart(6)} s  ${f}`);
    }
  } finally {
    await lab.stop();
  }
  log(`profile: ${hosts} hosts, ${tasks} tasks`);
}
