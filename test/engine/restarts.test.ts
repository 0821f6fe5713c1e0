// Restarts asked for by several changes: coalesced into one per service, run after every task and
// handler, with the asking tasks verified only after it; check mode shows the one restart. Over a
// real local shell, with a stand-in service whose "running configuration" is a file the restart
// copies (a task verified before the restart would fail).
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runHostPlay } from '../../src/engine/host-play.js';
import { Remote } from '../../src/engine/remote.js';
import { prepareTask, FileCache } from '../../src/engine/prepare.js';
import { RestartQueue } from '../../src/engine/restarts.js';
import { LocalTransport } from '../../src/transport/local.js';
import { TaskRegistry } from '../../src/tasks/registry.js';
import { parsePlaybook } from '../../src/playbook/load.js';
import { defineTask, type Change } from '../../src/types.js';
import { bool, object, oneOf, string, withDefault } from '../../src/schema/schema.js';
import { atomicWrite, sh } from '../../src/shell/sh.js';
import type { RestartArgs } from '../../src/tasks/lib/service-restart.js';
import type { Mode } from '../../src/engine/results.js';

import { readFile } from '../support/test-tasks.js';

/** Writes SVC.conf and asks for SVC to restart (or reload); converged once SVC.running has it. */
const confTask = defineTask({
  type: 'conf',
  description: 'test: a service configuration that takes effect on restart',
  args: object({ svc: string(), line: string(), how: withDefault(oneOf(['restart', 'reload']), 'restart'), part: withDefault(oneOf(['conf', 'extra']), 'conf'), fail: withDefault(bool(), false) }),
  facts: (a) => ({ conf: readFile(`${a.svc}.${a.part}`), running: readFile(`${a.svc}.running`) }),
  plan(a, now) {
    const want = `${(now.conf ?? '').split('\n').filter((l) => l && l !== a.line).join('\n')}${now.conf?.trim() ? '\n' : ''}${a.line}\n`;
    const has = (now.conf ?? '').split('\n').includes(a.line);
    if (has && (now.running ?? '').split('\n').includes(a.line)) return { ok: 'taken' };
    const c: Change = { summary: has ? `${a.svc} runs without ${a.line}` : `add ${a.line}`, steps: a.fail ? [sh`false`] : has ? [] : [atomicWrite(`${a.svc}.${a.part}`, want)], invalidates: [`test-file:${a.svc}.${a.part}`], predicts: has ? undefined : { [`test-file:${a.svc}.${a.part}`]: want }, restarts: [{ service: a.svc, how: a.how, why: a.line }] };
    return [c];
  },
});

/** Appends to a log: a handler, or a task that changes something unrelated. */
const logTask = defineTask({
  type: 'log',
  description: 'test: append to a log',
  args: object({ path: string(), line: string() }),
  facts: () => ({}),
  plan: (a) => [{ summary: `log ${a.line}`, steps: [sh`printf '%s\n' ${a.line} >> ${a.path}`], invalidates: [] }],
  verify: () => undefined,
});

/** Reads SVC.conf in its own window: a task after the first flush. */
const readConfTask = defineTask({
  type: 'read_conf',
  description: 'test: depends on an earlier change',
  args: object({ svc: string(), to: string() }),
  facts: (a) => ({ conf: readFile(`${a.svc}.conf`), dst: readFile(a.to) }),
  plan: (a, now) => (now.conf === now.dst ? { ok: 'same' } : [{ summary: `copy ${a.svc}.conf`, steps: [sh`cp ${`${a.svc}.conf`} ${a.to}`], invalidates: [`test-file:${a.to}`] }]),
});

/** The stand-in restart: logs it and makes SVC.running what SVC.conf says. */
const fakeRestart = defineTask({
  type: 'restart',
  description: 'test restart',
  args: { kind: 'restart', describe: '', parse: (v: unknown) => v as RestartArgs },
  facts: (a: RestartArgs) => ({ running: readFile(`${a.service}.running`) }),
  plan: (a: RestartArgs) => [{ summary: `${a.how} ${a.service} once for ${a.why.join('; ')} (asked by ${a.by.join(', ')})`, steps: [sh`echo ${`${a.how} ${a.service}`} >> ${`${a.service}.log`}`, sh`cat ${`${a.service}.conf`} ${`${a.service}.extra`} > ${`${a.service}.running`} 2>/dev/null || true`, ...a.after], invalidates: [`test-file:${a.service}.running`], impact: [{ kind: 'restart', service: a.service, summary: `${a.service} restarts` }] }],
  verify: () => undefined,
});

/** Two changes: the first says it may move SVC.conf (it does not), the second writes it and says
 *  what it holds — as dns_cache's changes each invalidate every fact the task reads. */
const twoStepTask = defineTask({
  type: 'two_step',
  description: 'test: a plan whose later change predicts what an earlier one invalidates',
  args: object({ svc: string(), line: string() }),
  facts: (a) => ({ conf: readFile(`${a.svc}.conf`) }),
  plan(a, now) {
    if (now.conf === `${a.line}\n`) return { ok: 'written' };
    const key = `test-file:${a.svc}.conf`;
    return [
      { summary: 'touch nothing', steps: [sh`true`], invalidates: [key] },
      { summary: `write ${a.line}`, steps: [atomicWrite(`${a.svc}.conf`, `${a.line}\n`)], invalidates: [key], predicts: { [key]: `${a.line}\n` } },
    ];
  },
});

const registry = new TaskRegistry([confTask, logTask, readConfTask, twoStepTask]);

async function play(text: string, mode: Mode, vars: Record<string, unknown> = {}) {
  const pb = parsePlaybook(text, join(tmpdir(), 'restarts.yaml'), registry);
  const files = new FileCache(tmpdir());
  const p = pb.plays[0]!;
  const transport = new LocalTransport();
  const out = await runHostPlay({
    remote: new Remote(transport, { enabled: false }),
    mode,
    tasks: p.tasks.map((t) => prepareTask(t, false, vars, registry, files)),
    handlers: p.handlers.map((t) => prepareTask(t, true, vars, registry, files)),
    vars,
    restartTask: fakeRestart,
    onPhase: () => {},
    onResult: () => {},
  });
  return { ...out, execs: transport.execCount, list: out.results.map((r) => `${r.task}:${r.status}`) };
}

describe('restarts coalesced by the engine', () => {
  const book = (svc: string, log: string) => `- hosts: all
  tasks:
    - name: a
      conf: { svc: ${svc}, line: a }
    - name: unrelated
      log: { path: ${log}, line: unrelated }
    - name: b
      conf: { svc: ${svc}, line: b, how: reload }
      notify: restart svc
    - name: c
      conf: { svc: ${svc}, line: c }
  handlers:
    - name: restart svc
      conf: { svc: ${svc}, line: h }
    - name: after handler
      log: { path: ${log}, line: handler }
      listen: restart svc
`;

  it('three tasks and a handler ask: one restart, after every task and handler; check mode shows it once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-restarts-'));
    const svc = `${dir}/svc`;
    const text = book(svc, `${dir}/log`);
    const check = await play(text, 'check');
    expect(check.list).toEqual(['a:would-change', 'unrelated:would-change', 'b:would-change', 'c:would-change', 'restart svc:would-change', 'after handler:would-change', `restart ${svc} (once):would-change`]);
    const restart = check.results.at(-1)!;
    expect(restart).toMatchObject({ type: 'restart', handler: true });
    expect(restart.changes).toEqual([{ summary: `restart ${svc} once for a; b; c; h (asked by a, b, c, restart svc)`, impact: [{ kind: 'restart', service: svc, summary: `${svc} restarts` }] }]);
    expect(existsSync(`${svc}.log`)).toBe(false);

    const apply = await play(text, 'apply');
    expect(apply.failed).toBe(false);
    expect(apply.list).toEqual(check.list.map((x) => x.replace('would-change', 'changed')));
    // one restart, after the handler ran; every asking task verified against the restarted service
    expect(readFileSync(`${svc}.log`, 'utf8')).toBe(`restart ${svc}\n`);
    expect(readFileSync(`${dir}/log`, 'utf8')).toBe('unrelated\nhandler\n');
    expect(readFileSync(`${svc}.running`, 'utf8')).toBe('a\nb\nc\nh\n');
    // gather, one apply of every change and the restart, one verify
    expect(apply.execs).toBe(3);
    const again = await play(text, 'apply');
    expect(again.list).toEqual(['a:ok', 'unrelated:changed', 'b:ok', 'c:ok']);
    expect(readFileSync(`${svc}.log`, 'utf8')).toBe(`restart ${svc}\n`);
  });

  it('only reloads asked: one reload; a restart covers a reload', () => {
    const q = new RestartQueue();
    const ch = (service: string, how: 'restart' | 'reload', why: string): Change => ({ summary: why, steps: [], invalidates: [], restarts: [{ service, how, why }] });
    q.add(ch('docker', 'reload', 'live-restore'), 'daemon');
    expect(q.merged({}).map((a) => `${a.how} ${a.service}`)).toEqual(['reload docker']);
    q.add(ch('docker.service', 'restart', 'dns'), 'dns');
    q.add(ch('containerd', 'restart', 'pin'), 'pin');
    q.add(ch('dnsmasq', 'restart', 'conf'), 'dns');
    q.add({ ...ch('docker', 'restart', 'storage driver'), restarts: [{ service: 'docker', how: 'restart', why: 'storage driver', stopsContainers: true, allowContainerStop: true }] }, 'storage');
    // containerd before docker (dockerd talks to it), the others as asked
    expect(q.merged({}).map((a) => ({ s: a.service, how: a.how, why: a.why, by: a.by, stops: a.stopsContainers, allow: a.allowContainerStop }))).toEqual([
      { s: 'containerd', how: 'restart', why: ['pin'], by: ['pin'], stops: false, allow: false },
      { s: 'docker', how: 'restart', why: ['live-restore', 'dns', 'storage driver'], by: ['daemon', 'dns', 'storage'], stops: true, allow: true },
      { s: 'dnsmasq', how: 'restart', why: ['conf'], by: ['dns'], stops: false, allow: false },
    ]);
    // the operator's variable allows every restart to stop containers
    const q2 = new RestartQueue();
    q2.add(ch('docker', 'restart', 'dns'), 'dns');
    expect(q2.merged({})[0]!.allowContainerStop).toBe(false);
    expect(q2.merged({ allow_container_stop: 'true' })[0]!.allowContainerStop).toBe(true);
    expect(q2.merged({ allow_container_stop: true })[0]!.allowContainerStop).toBe(true);
  });

  it('a task in a later window is verified after the restart too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-restarts-'));
    const svc = `${dir}/svc`;
    const text = `- hosts: all
  tasks:
    - name: a
      conf: { svc: ${svc}, line: a }
    - name: copy
      read_conf: { svc: ${svc}, to: ${dir}/copy }
    - name: b
      conf: { svc: ${svc}, line: b, part: extra }
`;
    const apply = await play(text, 'apply');
    expect(apply.failed).toBe(false);
    expect(apply.list).toEqual(['a:changed', 'copy:changed', 'b:changed', `restart ${svc} (once):changed`]);
    expect(readFileSync(`${svc}.log`, 'utf8')).toBe(`restart ${svc}\n`);
    expect(readFileSync(`${svc}.running`, 'utf8')).toBe('a\nb\n');
  });

  it('a failure before the restart: no restart, and the applied tasks say they were not verified', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-restarts-'));
    const svc = `${dir}/svc`;
    const text = `- hosts: all
  tasks:
    - name: a
      conf: { svc: ${svc}, line: a }
    - name: copy
      read_conf: { svc: ${svc}, to: ${dir}/copy }
    - name: broken
      conf: { svc: ${dir}/other, line: x, fail: true }
`;
    const apply = await play(text, 'apply');
    expect(apply.failed).toBe(true);
    expect(apply.list).toEqual(['a:changed', 'copy:changed', 'broken:failed', `restart ${svc} (once):skipped`, `restart ${dir}/other (once):skipped`]);
    expect(apply.results[0]!.reason).toMatch(/^applied, not verified: the play stopped before the restart/);
    expect(existsSync(`${svc}.log`)).toBe(false);
  });

  it('a later change of a plan that predicts a key settles it: the next task plans on it exactly, in one window', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-restarts-'));
    const svc = `${dir}/svc`;
    const text = `- hosts: all
  tasks:
    - name: first
      two_step: { svc: ${svc}, line: a }
    - name: copy
      read_conf: { svc: ${svc}, to: ${dir}/copy }
`;
    const check = await play(text, 'check');
    expect(check.results.map((r) => [r.task, r.status, r.provisional ?? false, r.changes.map((c) => c.summary)])).toEqual([
      ['first', 'would-change', false, ['touch nothing', 'write a']],
      ['copy', 'would-change', false, [`copy ${svc}.conf`]],
    ]);
    const apply = await play(text, 'apply');
    expect(apply.list).toEqual(['first:changed', 'copy:changed']);
    expect(apply.execs).toBe(3); // gather, one apply, verify: no second window
    expect(readFileSync(`${dir}/copy`, 'utf8')).toBe('a\n');
  });
});
