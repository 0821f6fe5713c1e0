// `fleet run` and `fleet facts` against real sshd hosts: grouped output, exit codes, an unreachable
// host, the command never in the host's process list.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { docker } from '../../src/lab/docker.js';
import { startLab, type Lab } from '../support/lab.js';
import { fleet } from '../support/cli.js';

describe('triage commands', () => {
  let lab: Lab;
  let inv: string;
  beforeAll(async () => {
    lab = await startLab({ name: 'triage', hosts: 3, kind: 'light' });
    // one more host that refuses connections: reported unreachable, the others unaffected
    const doc = parse(readFileSync(lab.inventoryPath, 'utf8')) as { all: { hosts: Record<string, unknown> } };
    doc.all.hosts.gone = { ansible_host: '127.0.0.1', ansible_port: 1 };
    inv = join(lab.dir, 'triage.yaml');
    writeFileSync(inv, stringify(doc));
  });
  afterAll(async () => lab?.stop());

  it('fleet run groups hosts by identical output and exit status, and names the unreachable one', async () => {
    const first = lab.hosts[0]!.name;
    await docker(['exec', lab.hosts[0]!.containerId, 'touch', '/tmp/odd']);
    const r = await fleet(['run', '-i', inv, 'if [ -e /tmp/odd ]; then echo odd; exit 4; fi; echo same']);
    expect(r.code, r.stderr + r.stdout).toBe(2);
    expect(r.stdout).toMatch(/^2 hosts: .* — exit 0\n {2}same$/m);
    expect(r.stdout).toMatch(new RegExp(`^1 host: ${first} — exit 4\\n {2}odd$`, 'm'));
    expect(r.stdout).toMatch(/^1 host: gone — unreachable$/m);
    expect(r.stdout).toMatch(/^fleet run: 4 hosts, 2 exit 0, 1 failed, 1 unreachable; 3 distinct results$/m);
    const j = await fleet(['run', '-i', inv, '--limit', 'all:!gone', '--json', 'echo "$((6 * 7))"']);
    expect(j.code, j.stderr).toBe(0);
    const report = JSON.parse(j.stdout) as { hosts: { status: string; rc: number; output: string }[]; summary: Record<string, number> };
    expect(report.summary).toEqual({ hosts: 3, ok: 3, failed: 0, unreachable: 0 });
    expect(report.hosts.map((h) => [h.status, h.rc, h.output])).toEqual(Array(3).fill(['ok', 0, '42\n']));
    const none = await fleet(['run', '-i', inv, '--limit', 'nosuch*', 'true']);
    expect(none.code).toBe(4);
    expect(none.stderr).toMatch(/no hosts matched --limit nosuch\*/);
  });

  it('the command text never shows in the host process list (it travels on stdin)', async () => {
    const host = lab.hosts[0]!;
    const marker = `fleetmarker${Date.now()}`;
    const running = fleet(['run', '-i', lab.inventoryPath, '--limit', host.name, `sleep 3; echo ${marker} >/dev/null`]);
    let seen = '';
    for (let i = 0; i < 20; i++) {
      seen += await docker(['exec', host.containerId, 'sh', '-c', "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; echo; done 2>/dev/null"]);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen).toMatch(/sleep 3/); // the poll did see the command's own processes
    expect(seen).not.toContain(marker);
    expect((await running).code).toBe(0);
  });

  it('fleet facts shows what when: sees, grouped by value; unknown names get a suggestion', async () => {
    const r = await fleet(['facts', '-i', lab.inventoryPath, 'os.id', 'docker.running']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('facts.os.id = "debian" (all 3 hosts)\nfacts.docker.running = false (all 3 hosts)\n');
    const j = await fleet(['facts', '-i', inv, '--json', 'os']);
    expect(j.code).toBe(3);
    const json = JSON.parse(j.stdout) as { hosts: Record<string, Record<string, unknown>>; unreachable: Record<string, string> };
    expect(Object.keys(json.hosts)).toHaveLength(3);
    expect(Object.values(json.hosts)[0]).toMatchObject({ 'os.id': 'debian', 'os.family': 'debian' });
    expect(Object.keys(json.unreachable)).toEqual(['gone']);
    const bad = await fleet(['facts', '-i', lab.inventoryPath, 'dockr']);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/^fleet: unknown fact 'dockr' \(did you mean 'docker'\?\)/);
  });
});
