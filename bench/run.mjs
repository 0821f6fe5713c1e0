// npm run bench [-- --hosts 50 --runs 3 --tasks 20] [-- --series] [-- --profile] [-- --fleet-only]
// fleet vs ansible-playbook vs the SSH floor, on the same lab hosts in the same run. Medians of
// alternating runs; results in bench/results.json (and bench/series.* with --series).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import ssh2 from 'ssh2';
import { startLab } from '../dist/lab/lab.js';
import { fleetPlaybook, ansiblePlaybook } from './playbooks.mjs';
import { writeSeries } from './series.mjs';
import { profile } from './profile.mjs';

const here = new URL('.', import.meta.url).pathname;
const root = new URL('..', import.meta.url).pathname;
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const FORKS = arg('forks', 50);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (s) => process.stderr.write(`${s}\n`);

function timed(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ s: (performance.now() - t0) / 1000, code, out }));
  });
}

function ensureAnsible() {
  try {
    execFileSync('ansible-playbook', ['--version'], { stdio: 'ignore' });
  } catch {
    log('bench: installing ansible-core from Debian packages');
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ansible-core >/dev/null'], { stdio: 'inherit' });
  }
}

/** The floor: every host, in parallel, one ssh2 handshake and one `exec true`. */
async function floor(lab) {
  const key = readFileSync(lab.keyPath);
  const t0 = performance.now();
  await Promise.all(
    lab.hosts.map(
      (h) =>
        new Promise((resolve, reject) => {
          const c = new ssh2.Client();
          c.on('ready', () => c.exec('true', (err, st) => (err ? reject(err) : st.on('close', () => (c.end(), resolve())).resume())));
          c.on('error', reject);
          c.connect({ host: h.ip, username: 'root', privateKey: key, readyTimeout: 30000 });
        }),
    ),
  );
  return (performance.now() - t0) / 1000;
}

export async function setup(hosts, tasks) {
  const lab = await startLab({ hosts, kind: 'light', name: 'bench', log });
  const dir = mkdtempSync(join(tmpdir(), 'fleet-bench-'));
  writeFileSync(join(dir, 'fleet.yaml'), fleetPlaybook(tasks));
  writeFileSync(join(dir, 'ansible.yaml'), ansiblePlaybook(tasks));
  writeFileSync(join(dir, 'hosts.ini'), `[all]\n${lab.hosts.map((h) => `${h.name} ansible_host=${h.ip}`).join('\n')}\n[all:vars]\nansible_user=root\nansible_ssh_private_key_file=${lab.keyPath}\nansible_python_interpreter=/usr/bin/python3\n`);
  writeFileSync(join(dir, 'ansible.cfg'), `[defaults]\nforks = ${FORKS}\nhost_key_checking = True\ngathering = explicit\nstdout_callback = default\n[ssh_connection]\npipelining = True\nssh_args = -o ControlMaster=auto -o ControlPersist=120s -o UserKnownHostsFile=${lab.knownHostsPath}\ncontrol_path_dir = ${dir}/cp\n`);
  return { lab, dir };
}

export async function fleetRun(dir, lab, round, extra = [], nodeFlags = []) {
  const rss = join(dir, 'rss');
  rmSync(rss, { force: true });
  const r = await timed(process.execPath, [...nodeFlags, '--require', join(here, 'rss.cjs'), join(root, 'dist/cli/main.js'), 'apply', join(dir, 'fleet.yaml'), '-i', lab.inventoryPath, '--yes', '--forks', String(FORKS), '-e', `round=${round}`, '-e', `mode=${round % 2 ? '0755' : '0750'}`, ...extra], { FLEET_BENCH_RSS: rss, FLEET_JOURNAL_DIR: join(dir, 'journal') });
  if (r.code !== 0) throw new Error(`fleet failed (${r.code}): ${r.out.slice(-2000)}`);
  const u = existsSync(rss) ? JSON.parse(readFileSync(rss, 'utf8')) : { rss_mb: NaN, cpu_s: NaN };
  return { s: r.s, rss: u.rss_mb, cpu: u.cpu_s, out: r.out };
}

async function ansibleRun(dir, round, extra = []) {
  const r = await timed('ansible-playbook', ['-i', join(dir, 'hosts.ini'), join(dir, 'ansible.yaml'), '-e', `round=${round}`, '-e', `mode=${round % 2 ? '0755' : '0750'}`, ...extra], { ANSIBLE_CONFIG: join(dir, 'ansible.cfg') });
  if (r.code !== 0) throw new Error(`ansible-playbook failed (${r.code}): ${r.out.slice(-2000)}`);
  return { s: r.s, out: r.out };
}

const changedOf = (out, re) => [...out.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);

async function compare() {
  const hosts = arg('hosts', 50);
  const runs = arg('runs', 3);
  const tasks = arg('tasks', 20);
  // --fleet-only: fleet and the floor, against the Ansible medians recorded in results.json
  // (Ansible's ~2 minutes per run are not re-measured); results in results-fleet.json
  const fleetOnly = process.argv.includes('--fleet-only');
  if (!fleetOnly) ensureAnsible();
  const { lab, dir } = await setup(hosts, tasks);
  const m = { fleet: { apply: [], noop: [], check: [], rss: [] }, ansible: { apply: [], noop: [], check: [] }, floor: [] };
  try {
    let round = 0;
    for (let r = 0; r < runs; r++) {
      round++;
      const fa = await fleetRun(dir, lab, round);
      const fn = await fleetRun(dir, lab, round);
      const fc = await fleetRun(dir, lab, round, ['--check']);
      if (!/nothing to change/.test(fn.out)) throw new Error('fleet: the second run was not a no-op');
      m.fleet.apply.push(fa.s);
      m.fleet.noop.push(fn.s);
      m.fleet.check.push(fc.s);
      m.fleet.rss.push(Math.max(fa.rss, fn.rss, fc.rss));
      round++;
      if (fleetOnly) {
        m.floor.push(await floor(lab));
        log(`bench: round ${r + 1}/${runs}: fleet ${fa.s.toFixed(2)}/${fn.s.toFixed(2)}/${fc.s.toFixed(2)} s, floor ${m.floor.at(-1).toFixed(2)} s`);
        continue;
      }
      const aa = await ansibleRun(dir, round);
      const an = await ansibleRun(dir, round);
      const ac = await ansibleRun(dir, round, ['--check']);
      if (changedOf(aa.out, /changed=(\d+)/g) < hosts * (tasks - 1)) throw new Error(`ansible changed less than expected: ${changedOf(aa.out, /changed=(\d+)/g)}`);
      if (changedOf(an.out, /changed=(\d+)/g) !== 0) throw new Error('ansible: the second run was not a no-op');
      m.ansible.apply.push(aa.s);
      m.ansible.noop.push(an.s);
      m.ansible.check.push(ac.s);
      m.floor.push(await floor(lab));
      log(`bench: round ${r + 1}/${runs}: fleet ${fa.s.toFixed(2)}/${fn.s.toFixed(2)}/${fc.s.toFixed(2)} s, ansible ${aa.s.toFixed(2)}/${an.s.toFixed(2)}/${ac.s.toFixed(2)} s, floor ${m.floor.at(-1).toFixed(2)} s`);
    }
  } finally {
    await lab.stop();
  }
  const recorded = fleetOnly ? JSON.parse(readFileSync(join(here, 'results.json'), 'utf8')) : undefined;
  const results = {
    hosts,
    tasks,
    runs,
    forks: FORKS,
    fleet: { apply_s: median(m.fleet.apply), noop_s: median(m.fleet.noop), check_s: median(m.fleet.check), peak_rss_mb: Math.round(Math.max(...m.fleet.rss)) },
    ansible: recorded ? { ...recorded.ansible, recorded_at: recorded.at } : { apply_s: median(m.ansible.apply), noop_s: median(m.ansible.noop), check_s: median(m.ansible.check), version: execFileSync('ansible-playbook', ['--version'], { encoding: 'utf8' }).split('\n')[0] },
    floor_s: median(m.floor),
    samples: m,
    machine: { cores: (await import('node:os')).cpus().length, node: process.version },
    at: new Date().toISOString(),
  };
  const out = fleetOnly ? 'results-fleet.json' : 'results.json';
  writeFileSync(join(here, out), `${JSON.stringify(results, null, 2)}\n`);
  const row = (name, f, a) => `| ${name.padEnd(18)} | ${f.toFixed(2).padStart(7)} | ${a.toFixed(2).padStart(7)} | ${(a / f).toFixed(1).padStart(6)}x |`;
  console.log(`\n${hosts} hosts, ${tasks} tasks, medians of ${runs} runs (fleet's apply includes its dry run and confirmation step)\n`);
  console.log('| run                | fleet s | ansible s | ansible/fleet |\n|---|---|---|---|');
  console.log(row('apply (changes)', results.fleet.apply_s, results.ansible.apply_s));
  console.log(row('apply (no change)', results.fleet.noop_s, results.ansible.noop_s));
  console.log(row('check', results.fleet.check_s, results.ansible.check_s));
  console.log(`\nfloor (parallel ssh2 connect + exec true): ${results.floor_s.toFixed(2)} s; fleet no-change / floor = ${(results.fleet.noop_s / results.floor_s).toFixed(1)}x; fleet peak RSS ${results.fleet.peak_rss_mb} MB`);
  if (recorded) console.log(`(ansible: the medians recorded in bench/results.json at ${recorded.at})`);
  console.log(`written: bench/${out}`);
}

const main = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (!main) {
  // imported (bench/profile.mjs, experiments): helpers only
} else if (process.argv.includes('--series')) await writeSeries({ setup, fleetRun, median, log, here, only: process.argv.includes('--only-tasks') ? 'tasks' : undefined });
else if (process.argv.includes('--profile')) await profile({ setup, fleetRun, floor, log, hosts: arg('hosts', 50), tasks: arg('tasks', 20) });
else await compare();
