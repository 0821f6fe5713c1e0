// Shared by the fault tests: a playbook that writes files around a step whose length is set per
// host (/etc/fleet-nap), so a fault can be made to land mid-apply on one host only, and the checks
// every fault must pass: old or new content (never partial), no temp file, backups intact.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import type { Lab, LabHost } from '../support/lab.js';
import { fleet, type CliResult } from '../support/cli.js';
import { parseManifest } from '../../src/engine/manifest.js';

export const work = mkdtempSync(join(tmpdir(), 'fleet-faults-'));

export const PLAYBOOK = join(work, 'faults.yaml');
writeFileSync(
  PLAYBOOK,
  `- name: faults
  hosts: all
  vars: { limit: 600 }
  tasks:
    - name: the directory
      file: { path: "{{ dir }}", state: directory, mode: "0755" }
    - name: config a
      copy: { dest: "{{ dir }}/a.conf", content: "{{ ver }} a on {{ inventory_hostname }}\\n" }
    - name: slow step
      shell:
        cmd: sleep "$(cat /etc/fleet-nap 2>/dev/null || echo 0)" && touch {{ dir }}/slept-{{ ver }}
        creates: "{{ dir }}/slept-{{ ver }}"
        timeout: "{{ limit }}"
    - name: config b
      copy: { dest: "{{ dir }}/b.conf", content: "{{ big }}" }
`,
);

/** a.conf's content for a version */
export const aText = (ver: number, host: string) => `${ver} a on ${host}\n`;
/** b.conf: large enough (~100 KiB) that a full disk bites in the middle of writing it */
export const bText = (ver: number) => `${`${ver} `.repeat(50_000)}\n`;

export type Report = { runId: string; hosts: { host: string; status: string; error?: string; tasks: { task: string; status: string; reason?: string }[] }[] };
export const readReport = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Report;

export const sh = async (h: LabHost, cmd: string) => (await h.exec(cmd)).stdout;

/** `fleet apply --yes` of version `ver` into `dir`, with a JSON report */
export function apply(inventory: string, dir: string, ver: number, name: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<CliResult & { report: () => Report }> {
  const json = join(work, `${name}.json`);
  const vars = JSON.stringify({ dir, ver, big: bText(ver) });
  return fleet(['apply', PLAYBOOK, '-i', inventory, '--yes', '--json', json, '-e', vars, ...extra], { env }).then((r) => ({ ...r, report: () => readReport(json) }));
}

/** Poll until `cmd` succeeds on the host (e.g. the slow step is running). */
/** The playbook's slow step takes `s` seconds on this host (0: none). */
export const nap = (h: LabHost, s: number) => h.exec(`echo ${s} > /etc/fleet-nap`);

/** version 1 everywhere, then the slow step takes `s` seconds on the faulty host only */
export async function baseline(lab: Lab, bad: LabHost, dir: string, s: number): Promise<void> {
  for (const h of lab.hosts) await nap(h, 0);
  const r = await apply(lab.inventoryPath, dir, 1, `${dir.replace(/\W/g, '')}-v1`);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  await nap(bad, s);
}

export async function until(h: LabHost, cmd: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while ((await h.exec(cmd)).code !== 0) {
    if (Date.now() > end) throw new Error(`timed out waiting for '${cmd}' on ${h.name}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The host's files hold version `ver`, read with docker exec. */
export async function expectVersion(h: LabHost, dir: string, ver: number): Promise<void> {
  expect(await sh(h, `cat ${dir}/a.conf`), `${h.name} a.conf`).toBe(aText(ver, h.name));
  expect(await sh(h, `cat ${dir}/b.conf`) === bText(ver), `${h.name} b.conf is version ${ver}`).toBe(true);
}

/** Every file is one whole version (old or new, never partial), and no temp file is left over. */
export async function expectWhole(h: LabHost, dir: string, versions: number[]): Promise<void> {
  const a = await sh(h, `cat ${dir}/a.conf 2>/dev/null`);
  expect(versions.map((v) => aText(v, h.name)), `${h.name} a.conf whole`).toContain(a);
  const b = await sh(h, `cat ${dir}/b.conf 2>/dev/null`);
  expect(versions.some((v) => b === bText(v)), `${h.name} b.conf is one whole version`).toBe(true);
  expect(await sh(h, `ls -a ${dir} | grep -F .fleet- || true`), `${h.name} temp files`).toBe('');
}

/** The run's backups on the host hold the previous version, whole. */
export async function expectBackups(h: LabHost, runId: string, dir: string, prev: number): Promise<void> {
  const base = `/var/lib/fleet/runs/${runId}`;
  const manifest = await sh(h, `cat ${base}/manifest 2>/dev/null || true`);
  for (const entry of parseManifest(manifest).entries) {
    if (entry.kind !== 'file' || !entry.path.startsWith(`${dir}/`)) continue;
    const path = entry.path;
    const kept = await sh(h, `cat ${base}/files${path}`);
    if (path.endsWith('a.conf')) expect(kept, `${h.name} backup of ${path}`).toBe(aText(prev, h.name));
    if (path.endsWith('b.conf')) expect(kept === bText(prev), `${h.name} backup of ${path} whole`).toBe(true);
  }
}

/** After the fault is gone: a re-run converges everywhere, and a third run changes nothing. */
export async function expectConverges(inventory: string, hosts: LabHost[], dir: string, ver: number, name: string): Promise<void> {
  const again = await apply(inventory, dir, ver, `${name}-again`);
  expect(again.code, again.stderr + again.stdout).toBe(0);
  for (const h of hosts) await expectVersion(h, dir, ver);
  const third = await apply(inventory, dir, ver, `${name}-third`);
  expect(third.code, third.stderr + third.stdout).toBe(0);
  const changed = third.report().hosts.flatMap((x) => x.tasks.filter((t) => t.status !== 'ok').map((t) => `${x.host}: ${t.task} ${t.status}`));
  expect(changed).toEqual([]);
}

/** mount from this machine inside the container's mount namespace: light hosts have
 *  neither CAP_SYS_ADMIN nor util-linux's mount. */
export function inMountNs(h: LabHost, cmd: 'mount', ...argv: string[]): string {
  const pid = execFileSync('docker', ['inspect', '-f', '{{.State.Pid}}', h.containerId], { encoding: 'utf8' }).trim();
  return execFileSync(cmd, ['-N', pid, ...argv], { encoding: 'utf8' });
}

export const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' });

export const journalDir = () => mkdtempSync(join(work, 'journal-'));
export const journalEntries = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { id: string; state: string; stopReason?: string; hosts: { host: string; status: string; error?: string }[] });
