// The engine over real local shells: windows, round trips, handlers, failures, check vs apply.
// Hosts are `connection: local`, each task touching only its own temp directory.
import { mkdirSync, mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { preparePlays, runPlaybook } from '../../src/engine/run.js';
import { play } from '../../src/api.js';
import { parseInventoryText } from '../../src/inventory/index.js';
import { parsePlaybook } from '../../src/playbook/load.js';
import type { RunReport } from '../../src/engine/results.js';
import { copyFromTask, putTask, testRegistry } from '../support/test-tasks.js';
import { TaskRegistry } from '../../src/tasks/registry.js';
import { builtinRegistry } from '../../src/tasks/builtin.js';
import { ConnectionPool } from '../../src/engine/connections.js';
import { LocalTransport } from '../../src/transport/local.js';
import type { ExecOptions } from '../../src/transport/transport.js';
import { quote } from '../../src/shell/sh.js';
import { withoutOnPath } from '../support/path.js';

const registry = testRegistry();
const inventory = (hosts: string[], vars = '') => parseInventoryText(`all:\n  hosts:\n${hosts.map((h) => `    ${h}: { ansible_connection: local, breaks: ${h === 'h1'} ${vars} }\n`).join('')}`, 'inv.yaml');
const playbook = (text: string) => parsePlaybook(text, join(tmpdir(), 'pb.yaml'), registry);
const statuses = (r: RunReport, host: string) => r.hosts.find((h) => h.host === host)!.tasks.map((t) => `${t.task}:${t.status}`);

function puts(dir: string, n: number): string {
  return Array.from({ length: n }, (_, i) => `    - name: put${i}\n      put: { path: ${dir}/f${i}, content: "v{{ inventory_hostname }}" }\n`).join('');
}

describe('engine', () => {
  it('check predicts, apply changes exactly that, a second apply changes nothing — in 1 and 3 execs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-engine-'));
    const pb = playbook(`- hosts: all\n  tasks:\n${puts(dir, 3)}`);
    const inv = inventory(['h1']);
    const check = await runPlaybook(pb, inv, { mode: 'check', registry });
    expect(statuses(check, 'h1')).toEqual(['put0:would-change', 'put1:would-change', 'put2:would-change']);
    expect(check.hosts[0]!.execs).toBe(1);
    expect(existsSync(`${dir}/f0`)).toBe(false);
    const apply = await runPlaybook(pb, inv, { mode: 'apply', registry });
    expect(statuses(apply, 'h1')).toEqual(['put0:changed', 'put1:changed', 'put2:changed']);
    expect(apply.hosts[0]!.execs).toBe(3); // gather, apply, verify
    expect(readFileSync(`${dir}/f2`, 'utf8')).toBe('vh1');
    const again = await runPlaybook(pb, inv, { mode: 'apply', registry });
    expect(statuses(again, 'h1')).toEqual(['put0:ok', 'put1:ok', 'put2:ok']);
    expect(again.hosts[0]!.execs).toBe(1);
  });

  it('round trips do not grow with the number of tasks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-engine-'));
    const few = await runPlaybook(playbook(`- hosts: all\n  tasks:\n${puts(dir, 2)}`), inventory(['h1']), { mode: 'apply', registry });
    const many = await runPlaybook(playbook(`- hosts: all\n  tasks:\n${puts(dir, 40)}`), inventory(['h1']), { mode: 'apply', registry });
    expect(many.hosts[0]!.counts.changed).toBe(38);
    expect(many.hosts[0]!.execs).toBe(few.hosts[0]!.execs);
  });

  it('a task that reads what an earlier task writes starts a new window; check mode says it is provisional', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-engine-'));
    const pb = playbook(`- hosts: all\n  tasks:\n    - name: a\n      put: { path: ${dir}/a, content: hello }\n    - name: b\n      copy_from: { from: ${dir}/a, to: ${dir}/b }\n`);
    const check = await runPlaybook(pb, inventory(['h1']), { mode: 'check', registry });
    const b = check.hosts[0]!.tasks[1]!;
    expect(b).toMatchObject({ status: 'would-change', provisional: true });
    expect(b.changes[0]!.summary).toMatch(/depends on an earlier change/);
    const apply = await runPlaybook(pb, inventory(['h1']), { mode: 'apply', registry });
    expect(statuses(apply, 'h1')).toEqual(['a:changed', 'b:changed']);
    expect(readFileSync(`${dir}/b`, 'utf8')).toBe('hello');
    expect(apply.hosts[0]!.execs).toBe(5); // gather, apply a, verify+regather, apply b, verify
  });

  it('runs handlers once, at the end, in definition order, only when notified by a change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-engine-'));
    const pb = playbook(`- hosts: all
  tasks:
    - name: one
      put: { path: ${dir}/one, content: x }
      notify: [second, first]
    - name: two
      put: { path: ${dir}/two, content: y }
      notify: first
  handlers:
    - name: first
      log: { path: ${dir}/log, line: first }
    - name: second
      log: { path: ${dir}/log, line: second }
    - name: never
      log: { path: ${dir}/log, line: never }
`);
    const r1 = await runPlaybook(pb, inventory(['h1']), { mode: 'apply', registry });
    expect(statuses(r1, 'h1')).toEqual(['one:changed', 'two:changed', 'first:changed', 'second:changed']);
    expect(readFileSync(`${dir}/log`, 'utf8')).toBe('first\nsecond\n');
    const r2 = await runPlaybook(pb, inventory(['h1']), { mode: 'apply', registry });
    expect(statuses(r2, 'h1')).toEqual(['one:ok', 'two:ok']);
    expect(readFileSync(`${dir}/log`, 'utf8')).toBe('first\nsecond\n');
  });

  it('a failing step fails its host with the output, stops later tasks there, and spares other hosts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-engine-'));
    const pb = playbook(`- hosts: all
  tasks:
    - name: ok first
      put: { path: "${dir}/{{ inventory_hostname }}-0", content: x }
    - name: breaks on h1
      put: { path: "${dir}/{{ inventory_hostname }}-1", content: x, fail: "{{ breaks }}" }
    - name: after
      put: { path: "${dir}/{{ inventory_hostname }}-2", content: x }
`);
    const r = await runPlaybook(pb, inventory(['h1', 'h2']), { mode: 'apply', registry, extraVars: {} });
    expect(r.hosts.map((h) => `${h.host}:${h.status}`)).toEqual(['h1:failed', 'h2:changed']);
    const broke = r.hosts[0]!.tasks.find((t) => t.task === 'breaks on h1')!;
    expect(broke.status).toBe('failed');
    expect(broke.output).toContain('boom');
    expect(statuses(r, 'h1')).toEqual(['ok first:changed', 'breaks on h1:failed', 'after:skipped']);
    expect(existsSync(`${dir}/h1-2`)).toBe(false);
    expect(existsSync(`${dir}/h2-2`)).toBe(true);
  });

  it('skips tasks whose `when` is false and reports why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-engine-'));
    const pb = playbook(`- hosts: all\n  vars: { enabled: false }\n  tasks:\n    - name: gated\n      put: { path: ${dir}/g, content: x }\n      when: enabled and facts.user != ''\n`);
    const r = await runPlaybook(pb, inventory(['h1']), { mode: 'apply', registry });
    expect(r.hosts[0]!.tasks[0]).toMatchObject({ status: 'skipped', reason: 'when: enabled and facts.user != \'\'' });
    expect(existsSync(`${dir}/g`)).toBe(false);
  });

  it('rejects an undefined variable before connecting, naming it and the task', async () => {
    const pb = playbook(`- hosts: all\n  tasks:\n    - name: t\n      put: { path: "/tmp/{{ nope }}", content: x }\n`);
    await expect(runPlaybook(pb, inventory(['h1']), { mode: 'check', registry })).rejects.toThrow(/pb\.yaml:3:7: undefined variable 'nope' in task 't'/);
  });

  it('keeps going with ignore_errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-engine-'));
    writeFileSync(`${dir}/keep`, 'k');
    const pb = playbook(`- hosts: all\n  tasks:\n    - name: bad\n      put: { path: ${dir}/x, content: x, fail: true }\n      ignore_errors: true\n    - name: good\n      put: { path: ${dir}/y, content: y }\n`);
    const r = await runPlaybook(pb, inventory(['h1']), { mode: 'apply', registry });
    expect(r.hosts[0]!.status).toBe('changed');
    expect(r.hosts[0]!.tasks.map((t) => [t.task, t.status, t.ignored ?? false])).toEqual([['bad', 'failed', true], ['good', 'changed', false]]);
  });
});

describe('engine: variables and tags', () => {
  it('play vars < vars_files < extra vars; --tags selects tasks, always runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-engine-'));
    writeFileSync(`${dir}/vars.yaml`, 'who: file\nonly_file: f\n');
    const pb = parsePlaybook(`- hosts: all
  vars: { who: play, only_play: p }
  vars_files: [vars.yaml]
  tasks:
    - name: tagged
      put: { path: ${dir}/a, content: "{{ who }} {{ only_play }} {{ only_file }} {{ from_inv }}" }
      tags: [cfg]
    - name: untagged
      put: { path: ${dir}/b, content: x }
    - name: always
      put: { path: ${dir}/c, content: x }
      tags: [always]
`, join(dir, 'pb.yaml'), registry);
    const inv = parseInventoryText('all:\n  vars: { who: inventory, from_inv: i }\n  hosts:\n    h1: { ansible_connection: local }\n', 'inv.yaml');
    await runPlaybook(pb, inv, { mode: 'apply', registry, tags: ['cfg'] });
    expect(readFileSync(`${dir}/a`, 'utf8')).toBe('file p f i');
    expect(existsSync(`${dir}/b`)).toBe(false);
    expect(existsSync(`${dir}/c`)).toBe(true);
    await runPlaybook(pb, inv, { mode: 'apply', registry, tags: ['cfg'], extraVars: { who: 'extra' } });
    expect(readFileSync(`${dir}/a`, 'utf8')).toBe('extra p f i');
  });
});

describe('engine: play defaults', () => {
  it('defaults < group < host < play vars < vars_files < -e', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-engine-'));
    writeFileSync(`${dir}/vars.yaml`, 'f: file\ne: file\n');
    const pb = parsePlaybook(`- hosts: all
  defaults: { d: default, g: default, h: default, p: default, f: default, e: default }
  vars: { p: play, f: play, e: play }
  vars_files: [vars.yaml]
  tasks: []
`, join(dir, 'pb.yaml'), registry);
    const inv = parseInventoryText(`all:
  vars: { g: all, h: all, p: all }
  children:
    web:
      vars: { g: group, h: group }
      hosts:
        h1: { ansible_connection: local, h: host, p: host }
        h2: { ansible_connection: local }
`, 'inv.yaml', { e: 'extra' });
    const [{ hosts }] = preparePlays(pb, inv, { registry, extraVars: { e: 'extra' } }) as [ReturnType<typeof preparePlays>[number]];
    const pick = (h: string) => Object.fromEntries(['d', 'g', 'h', 'p', 'f', 'e'].map((k) => [k, hosts.find((x) => x.host === h)!.vars[k]]));
    expect(pick('h1')).toEqual({ d: 'default', g: 'group', h: 'host', p: 'play', f: 'file', e: 'extra' });
    expect(pick('h2')).toEqual({ d: 'default', g: 'group', h: 'group', p: 'play', f: 'file', e: 'extra' });
    // without play vars over it, a host var beats the default it overrides
    const bare = parsePlaybook('- hosts: all\n  defaults: { p: default, x: [1] }\n  tasks: []\n', join(dir, 'pb2.yaml'), registry);
    const [{ hosts: h2 }] = preparePlays(bare, inv, { registry }) as [ReturnType<typeof preparePlays>[number]];
    expect(h2.map((x) => [x.host, x.vars.p, x.vars.x])).toEqual([['h1', 'host', [1]], ['h2', 'all', [1]]]);
    // the same from code
    const coded = { file: '<code>', dir, plays: [play({ name: 'p', defaults: { p: 'default', d: 'default' }, tasks: [] })] };
    expect(preparePlays(coded, inv, { registry })[0]!.hosts.map((x) => [x.vars.p, x.vars.d])).toEqual([['host', 'default'], ['all', 'default']]);
  });

  it("reads group_vars/ and host_vars/ next to the playbook, above the inventory's, below play vars", () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-engine-'));
    mkdirSync(`${dir}/group_vars`);
    mkdirSync(`${dir}/host_vars`);
    writeFileSync(`${dir}/group_vars/web.yml`, 'g: playbook-group\np: playbook-group\n');
    writeFileSync(`${dir}/host_vars/h1.yml`, 'h: playbook-host\n');
    const pb = parsePlaybook('- hosts: all\n  vars: { p: play }\n  tasks: []\n', join(dir, 'pb.yaml'), registry);
    const inv = parseInventoryText('web:\n  vars: { g: inv, h: inv }\n  hosts:\n    h1: { ansible_connection: local, h: inv-host }\n', 'inv.yaml');
    const [{ hosts }] = preparePlays(pb, inv, { registry }) as [ReturnType<typeof preparePlays>[number]];
    expect([hosts[0]!.vars.g, hosts[0]!.vars.h, hosts[0]!.vars.p]).toEqual(['playbook-group', 'playbook-host', 'play']);
  });

  it("rejects defaults that are not a mapping, at the key's location", () => {
    expect(() => parsePlaybook('- hosts: all\n  defaults: [a]\n  tasks: []\n', join(tmpdir(), 'pb.yaml'), registry)).toThrow(/pb\.yaml:2:\d+.*'defaults' must be a mapping/);
  });
});

describe('engine: rollout stops', () => {
  const failing = (dir: string) => parsePlaybook(`- hosts: all
  serial: 1
  max_fail_percentage: 0
  tasks:
    - name: write
      put: { path: "${dir}/{{ inventory_hostname }}", content: x, fail: "{{ breaks }}" }
`, join(dir, 'pb.yaml'), registry);

  it('stops after a batch whose failures exceed max_fail_percentage; later hosts are untouched and listed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-engine-'));
    const r = await runPlaybook(failing(dir), inventory(['h1', 'h2', 'h3']), { mode: 'apply', registry });
    expect(r.hosts.map((h) => `${h.host}:${h.status}`)).toEqual(['h1:failed', 'h2:stopped', 'h3:stopped']);
    expect(r.stopped).toMatch(/batch 1\/3 .*1 of 1 hosts failed, more than max_fail_percentage 0%/);
    expect(existsSync(`${dir}/h2`)).toBe(false);
  });

  it('any_errors_fatal stops at the first failed host', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-engine-'));
    const pb = parsePlaybook(`- hosts: all\n  serial: 2\n  any_errors_fatal: true\n  tasks:\n    - put: { path: "${dir}/{{ inventory_hostname }}", content: x, fail: "{{ breaks }}" }\n`, join(dir, 'pb.yaml'), registry);
    const r = await runPlaybook(pb, inventory(['h1', 'h2', 'h3']), { mode: 'apply', registry });
    expect(r.hosts.map((h) => `${h.host}:${h.status}`)).toEqual(['h1:failed', 'h2:changed', 'h3:stopped']);
    expect(r.stopped).toMatch(/h1 failed and any_errors_fatal is set/);
  });
});

describe('engine: predicted facts', () => {
  it('several edits of one file plan on each other in one window: check is exact, apply costs 3 execs', async () => {
    const { lineinfileTask, blockinfileTask } = await import('../../src/tasks/builtin-tasks.js');
    const { TaskRegistry } = await import('../../src/tasks/registry.js');
    const reg = new TaskRegistry([lineinfileTask, blockinfileTask]);
    const dir = mkdtempSync(join(tmpdir(), 'fleet-engine-'));
    const pb = parsePlaybook(`- hosts: all
  tasks:
    - name: a
      lineinfile: { path: ${dir}/f, line: a=1, regexp: "^a=", create: true }
    - name: b
      lineinfile: { path: ${dir}/f, line: b=2, regexp: "^b=" }
    - name: block
      blockinfile: { path: ${dir}/f, block: "c=3" }
`, join(dir, 'pb.yaml'), reg);
    const check = await runPlaybook(pb, inventory(['h1']), { mode: 'check', registry: reg });
    expect(check.hosts[0]!.tasks.map((t) => [t.status, t.provisional ?? false])).toEqual([['would-change', false], ['would-change', false], ['would-change', false]]);
    expect(check.hosts[0]!.tasks[2]!.changes[0]!.diff!.before).toBe('a=1\nb=2\n');
    const apply = await runPlaybook(pb, inventory(['h1']), { mode: 'apply', registry: reg });
    expect(apply.hosts[0]!.execs).toBe(3);
    expect(readFileSync(`${dir}/f`, 'utf8')).toBe('a=1\nb=2\n# BEGIN FLEET MANAGED BLOCK\nc=3\n# END FLEET MANAGED BLOCK\n');
    const again = await runPlaybook(pb, inventory(['h1']), { mode: 'apply', registry: reg });
    expect(again.hosts[0]!.counts.changed).toBe(0);
  });
});

describe("engine: the dry run's plans, reused by its apply", () => {
  it("the apply after a dry run keeps the dry run's plans where the host reads the same, and plans again where it does not", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-engine-'));
    // plan calls per host, counted through the task itself
    const calls = new Map<string, number>();
    const counted = { ...putTask, plan: (a: { path: string }, now: never) => {
      const host = a.path.slice(dir.length + 1).split('-')[0]!;
      calls.set(host, (calls.get(host) ?? 0) + 1);
      return putTask.plan(a as never, now);
    } };
    const reg = new TaskRegistry([counted as typeof putTask, copyFromTask]);
    const at = (host: string, n: string) => `${dir}/${host}-${n}`;
    const pb = parsePlaybook(`- hosts: all
  tasks:
    - name: a
      put: { path: "${dir}/{{ inventory_hostname }}-a", content: "new a" }
    - name: b
      put: { path: "${dir}/{{ inventory_hostname }}-b", content: "new b" }
    - name: c
      copy_from: { from: "${dir}/{{ inventory_hostname }}-a", to: "${dir}/{{ inventory_hostname }}-c" }
`, join(dir, 'pb.yaml'), reg);
    const inv = inventory(['h2', 'h3']);
    const pool = new ConnectionPool();
    const prepared = preparePlays(pb, inv, { registry: reg });
    const check = await runPlaybook(pb, inv, { mode: 'check', registry: reg, connections: pool, prepared });
    expect(Object.fromEntries(calls)).toEqual({ h2: 2, h3: 2 });
    // h3 changes between the dry run and the apply, as while a confirmation question is open
    writeFileSync(at('h3', 'a'), 'edited');
    calls.clear();
    const expect_ = new Map(check.hosts.map((h) => [h.host, h.plans ?? {}]));
    const apply = await runPlaybook(pb, inv, { mode: 'apply', registry: reg, connections: pool, prepared, expect: expect_ });
    // h2: a and b not planned again, only verified; h3: planned again, and refused for the drift
    expect(Object.fromEntries(calls)).toEqual({ h2: 2, h3: 2 });
    expect(statuses(apply, 'h2')).toEqual(['a:changed', 'b:changed', 'c:changed']);
    // c is planned after a's change, on what the host then has, not on the dry run's facts
    expect(readFileSync(at('h2', 'c'), 'utf8')).toBe('new a');
    expect(apply.hosts.find((h) => h.host === 'h3')).toMatchObject({ status: 'refused', error: expect.stringMatching(/^refused: the host changed since the plan \(fact test-file:.*h3-a changed; task 'a' now plans write .*h3-a\)/) });
    expect(readFileSync(at('h3', 'a'), 'utf8')).toBe('edited');
    expect(existsSync(at('h3', 'b'))).toBe(false);
    await pool.closeAll();
  });
});

describe('engine: lean scripts, for hosts with perl', () => {
  // a local host on whose PATH there is no perl
  const noPerl = withoutOnPath('perl');
  class NoPerlTransport extends LocalTransport {
    override exec(command: string, opts?: ExecOptions) {
      return super.exec(`PATH=${quote(noPerl)}; export PATH; ${command}`, opts);
    }
  }

  it('gathers again with the shell fallbacks when a lean gather fails (no perl), then writes without perl', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-engine-'));
    writeFileSync(join(dir, 'a'), 'old a\n');
    const pb = parsePlaybook(`- hosts: all\n  tasks:\n${['a', 'b', 'c'].map((n) => `    - name: ${n}\n      copy: { dest: ${dir}/${n}, content: "new ${n}\\n" }\n`).join('')}`, join(tmpdir(), 'pb.yaml'), builtinRegistry());
    const pool = new ConnectionPool(() => new NoPerlTransport());
    const check = await runPlaybook(pb, inventory(['h1']), { mode: 'check', registry: builtinRegistry(), connections: pool });
    expect(statuses(check, 'h1')).toEqual(['a:would-change', 'b:would-change', 'c:would-change']);
    expect(check.hosts[0]!.tasks[0]!.changes[0]!.diff).toMatchObject({ before: 'old a\n' });
    expect(pool.execCount('h1')).toBe(2); // the lean gather, then the full one
    expect(pool.perl.get('h1')).toBe(false);
    const apply = await runPlaybook(pb, inventory(['h1']), { mode: 'apply', registry: builtinRegistry(), connections: pool });
    expect(statuses(apply, 'h1')).toEqual(['a:changed', 'b:changed', 'c:changed']);
    expect(readFileSync(join(dir, 'c'), 'utf8')).toBe('new c\n');
    expect(pool.execCount('h1')).toBe(5); // known now: gather, apply, verify with the fallbacks
    await pool.closeAll();
  });
});

describe('engine: a host fleet cannot handle', () => {
  // a bug below the engine on one host (not a TransportError): that host fails, the others go on
  class Broken extends LocalTransport {
    override exec(): never {
      throw new TypeError('boom');
    }
  }
  const pool = () => new ConnectionPool((spec) => (spec.host === 'h1' ? new Broken() : new LocalTransport()));
  const pb = () => playbook(`- hosts: all\n  tasks:\n    - name: t\n      put: { path: /dev/null, content: "" }\n`);

  it('fails with the message only, the stack trace with --debug', async () => {
    const r = await runPlaybook(pb(), inventory(['h1', 'h2']), { mode: 'check', registry, connections: pool(), journal: false });
    expect(r.hosts.find((h) => h.host === 'h1')).toMatchObject({ status: 'failed', error: 'internal error: boom (run with --debug for the stack trace)' });
    expect(r.hosts.find((h) => h.host === 'h2')!.status).not.toBe('failed');
    const d = await runPlaybook(pb(), inventory(['h1']), { mode: 'check', registry, connections: pool(), journal: false, debug: true });
    expect(d.hosts[0]!.error).toMatch(/^internal error: TypeError: boom\n\s+at /);
  });
});
