// `fleet runs` and `fleet runs show` say what a journal entry means now: a run whose controller
// process is gone is abandoned, one recorded on another controller host is running? (naming it);
// the note a run prints before it starts names the abandoned applies on its hosts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { listRuns, noteAbandoned, showRun } from '../../src/cli/runs.js';
import { Journal, thisController, type JournalEntry } from '../../src/engine/journal.js';

function io() {
  const out = new PassThrough();
  const err = new PassThrough();
  const text = { out: '', err: '' };
  out.on('data', (d) => (text.out += d));
  err.on('data', (d) => (text.err += d));
  return { text, io: { stdout: out as unknown as NodeJS.WriteStream, stderr: err as unknown as NodeJS.WriteStream, stdin: new PassThrough() as unknown as NodeJS.ReadStream, env: {}, cwd: '/' } };
}
const deadPid = () => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
const entry = (id: string, controller: JournalEntry['controller'], over: Partial<JournalEntry> = {}): JournalEntry => ({
  id,
  mode: 'apply',
  playbook: '/site.yaml',
  startedAt: '2026-01-01T00:00:00.000Z',
  state: 'running',
  controller,
  hosts: [
    { host: 'web1', status: 'changed' },
    { host: 'web2', status: 'running' },
  ],
  ...over,
});

describe('fleet runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-runs-'));
  const j = new Journal(dir);
  const pid = deadPid();
  j.write(entry('20260101T000001Z-dead', { host: hostname(), pid }));
  j.write(entry('20260101T000002Z-live', thisController()));
  j.write(entry('20260101T000003Z-away', { host: 'other-controller', pid: 1 }));
  j.write(entry('20260101T000004Z-done', { host: hostname(), pid }, { state: 'finished', hosts: [{ host: 'web2', status: 'ok' }] }));

  it('lists a dead controller as abandoned, a live one as running, another host as running? naming it', () => {
    const t = io();
    listRuns(t.io, dir);
    const line = (id: string) => t.text.out.split('\n').find((l) => l.startsWith(id)) ?? '';
    expect(line('20260101T000001Z-dead')).toMatch(/  apply  abandoned  2 hosts/);
    expect(line('20260101T000002Z-live')).toMatch(/  apply  running    2 hosts/);
    expect(line('20260101T000003Z-away')).toMatch(/  apply  running\?   2 hosts.*\(controller other-controller\)$/);
    expect(line('20260101T000004Z-done')).toMatch(/  apply  finished  /);
  });

  it('show: the state, why, and the unfinished hosts as abandoned', () => {
    const t = io();
    showRun(t.io, '20260101T000001Z-dead', false, dir);
    expect(t.text.out).toContain(`run 20260101T000001Z-dead (apply, abandoned) /site.yaml\nstarted 2026-01-01T00:00:00.000Z by pid ${pid} on ${hostname()}\n`);
    expect(t.text.out).toContain(`abandoned: its controller process (pid ${pid} on ${hostname()}) is gone`);
    expect(t.text.out).toMatch(/web1\s+changed/);
    expect(t.text.out).toMatch(/web2\s+abandoned \(outcome unknown\)/);
    const away = io();
    showRun(away.io, '20260101T000003Z-away', true, dir);
    expect(JSON.parse(away.text.out)).toMatchObject({ state: 'running', status: 'running?', statusNote: expect.stringMatching(/pid 1 on controller other-controller, which cannot be checked from /) });
  });

  it('the note before a run: abandoned applies on its hosts only, one line each', () => {
    const t = io();
    noteAbandoned(t.io, ['web2', 'db1'], dir);
    expect(t.text.err).toBe("fleet: note: run 20260101T000001Z-dead (apply of /site.yaml, started 2026-01-01T00:00:00.000Z) was abandoned before it finished on web2; its state may be partly changed (backups kept): see `fleet runs show 20260101T000001Z-dead`\n");
    const none = io();
    noteAbandoned(none.io, ['web1'], dir); // finished there
    expect(none.text.err).toBe('');
  });
});

describe('fleet runs filters', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-runs-f-'));
  const j = new Journal(dir);
  const me = thisController();
  j.write(entry('20260101T000001Z-aaaa', me, { state: 'finished', playbook: '/p/harden.yaml' }));
  j.write(entry('20260101T000002Z-bbbb', me, { state: 'stopped', playbook: '/p/hotfix.yaml' }));
  j.write(entry('20260101T000003Z-cccc', { ...me, user: 'someone-else' }, { state: 'finished', playbook: '/p/harden.yaml' }));
  j.write(entry('20260101T000004Z-dddd', me, { state: 'finished', playbook: '/p/harden.yaml' }));
  const ids = (f: Parameters<typeof listRuns>[2]) => {
    const t = io();
    listRuns(t.io, dir, f);
    return t.text.out.trim().split('\n').map((l) => l.split(' ')[0]);
  };
  it("this user's runs by default, newest first; every user's with allUsers", () => {
    expect(ids({})).toEqual(['20260101T000004Z-dddd', '20260101T000002Z-bbbb', '20260101T000001Z-aaaa']);
    expect(ids({ allUsers: true })).toHaveLength(4);
  });
  it('--last, --state and --playbook narrow it; nothing matching says how many are recorded', () => {
    expect(ids({ last: 1 })).toEqual(['20260101T000004Z-dddd']);
    expect(ids({ state: 'stopped' })).toEqual(['20260101T000002Z-bbbb']);
    expect(ids({ playbook: 'harden', last: 5 })).toEqual(['20260101T000004Z-dddd', '20260101T000001Z-aaaa']);
    const t = io();
    listRuns(t.io, dir, { playbook: 'nothing' });
    expect(t.text.out).toBe(`no run matches (4 recorded in ${dir})\n`);
    expect(() => listRuns(io().io, dir, { state: 'done' })).toThrow(/--state must be one of running, finished, stopped, abandoned, running\?/);
  });
});
