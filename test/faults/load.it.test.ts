// Load (issue 8.6): many light hosts in one run, a random share of them failing at different points
// (sshd unreachable from the start, a task failing mid-play); the JSON report must account for every
// host and every task, nothing missing, nothing duplicated. npm test (scripts/test.sh) runs it with
// 200 hosts; a bare vitest run skips it unless FLEET_LOAD_HOSTS is set.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { fleet } from '../support/cli.js';
import { readReport, sh, work } from './kit.js';

const N = Number(process.env.FLEET_LOAD_HOSTS ?? 0);
const TASKS = ['the directory', 'config', 'may fail', 'after'];

const PLAYBOOK = join(work, 'load.yaml');
writeFileSync(
  PLAYBOOK,
  `- name: load
  hosts: all
  tasks:
    - name: the directory
      file: { path: /srv/load, state: directory }
    - name: config
      copy: { dest: /srv/load/a.conf, content: "on {{ inventory_hostname }}\\n" }
    - name: may fail
      shell: { cmd: "test ! -e /etc/fleet-fail && touch /srv/load/ran", creates: /srv/load/ran }
    - name: after
      copy: { dest: /srv/load/b.conf, content: "after\\n" }
`,
);

describe.runIf(N > 0)(`load: ${N} hosts, some failing`, () => {
  let lab: Lab;
  const unreachable = new Set<string>();
  const failing = new Set<string>();

  beforeAll(async () => {
    lab = await startLab({ hosts: N, kind: 'light' });
    // a seeded shuffle, printed, so a failure can be replayed
    const seed = Number(process.env.FLEET_LOAD_SEED ?? Date.now() % 100_000);
    console.log(`load seed ${seed}`);
    let x = seed;
    const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const order = [...lab.hosts].sort(() => rnd() - 0.5);
    const tenth = Math.max(1, Math.round(N / 10));
    const pick = (hs: LabHost[], set: Set<string>, cmd: string) => Promise.all(hs.map(async (h) => (set.add(h.name), await h.exec(cmd))));
    await pick(order.slice(0, tenth), unreachable, 'iptables -I INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset');
    await pick(order.slice(tenth, 2 * tenth), failing, 'touch /etc/fleet-fail');
  }, 1_200_000);
  afterAll(async () => {
    await lab?.stop();
  }, 600_000);

  it('the report accounts for every host and every task exactly once', async () => {
    const json = join(work, 'load.json');
    const r = await fleet(['apply', PLAYBOOK, '-i', lab.inventoryPath, '--yes', '--json', json]);
    expect(r.code, r.stderr.slice(-2000)).toBe(2);
    const rep = readReport(json);
    const names = rep.hosts.map((h) => h.host);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(lab.hosts.map((h) => h.name).sort());
    for (const h of rep.hosts) {
      if (unreachable.has(h.host)) {
        expect(h.status, h.host).toBe('unreachable');
        expect(h.tasks, h.host).toEqual([]);
        continue;
      }
      expect(h.tasks.map((t) => t.task), h.host).toEqual(TASKS);
      const statuses = h.tasks.map((t) => t.status);
      if (failing.has(h.host)) {
        expect(h.status, h.host).toBe('failed');
        expect(statuses, h.host).toEqual(['changed', 'changed', 'failed', 'skipped']);
      } else {
        expect(h.status, `${h.host}: ${h.error ?? ''}`).toBe('changed');
        expect(statuses, h.host).toEqual(['changed', 'changed', 'changed', 'changed']);
      }
    }
    // the hosts' real state agrees, on a sample
    for (const h of lab.hosts.slice(0, 20)) {
      const b = await sh(h, 'cat /srv/load/b.conf 2>/dev/null || echo none');
      expect(b, h.name).toBe(unreachable.has(h.name) || failing.has(h.name) ? 'none\n' : 'after\n');
    }
  }, 1_200_000);
});
