// The journal tells a live run from a dead one by the controller process it recorded; entries are
// private to the user (0600 in a 0700 directory).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { abandonedOn, Journal, localProbe, pidStartOf, runState, stateNote, thisController, type JournalEntry, type ProcessProbe } from '../../src/engine/journal.js';

const entry = (id: string, over: Partial<JournalEntry> = {}): JournalEntry => ({
  id,
  mode: 'apply',
  playbook: '/p.yaml',
  startedAt: '2026-01-01T00:00:00.000Z',
  state: 'running',
  hosts: [
    { host: 'a', status: 'running' },
    { host: 'b', status: 'changed' },
  ],
  controller: { host: 'ctl', pid: 42, pidStart: 1000 },
  ...over,
});
const probe = (alive: (pid: number, start?: number) => boolean): ProcessProbe => ({ host: 'ctl', alive });

describe('run state', () => {
  it('a running entry: running while its pid lives, abandoned once it is gone', () => {
    expect(runState(entry('r'), probe(() => true))).toBe('running');
    expect(runState(entry('r'), probe(() => false))).toBe('abandoned');
    expect(stateNote(entry('r'), probe(() => false))).toMatch(/^abandoned: its controller process \(pid 42 on ctl\) is gone/);
    expect(stateNote(entry('r'), probe(() => true))).toBeUndefined();
  });

  it('the pid and its start time are asked about', () => {
    const seen: unknown[] = [];
    runState(entry('r'), probe((pid, start) => (seen.push([pid, start]), true)));
    expect(seen).toEqual([[42, 1000]]);
  });

  it('an entry from an earlier boot of this controller is abandoned, even if its pid lives now', () => {
    const booted = { host: 'ctl', boot: 'b2', alive: () => true };
    expect(runState(entry('r', { controller: { host: 'ctl', pid: 42, boot: 'b1' } }), booted)).toBe('abandoned');
    expect(runState(entry('r', { controller: { host: 'ctl', pid: 42, boot: 'b2' } }), booted)).toBe('running');
    expect(runState(entry('r', { controller: { host: 'ctl', pid: 42 } }), booted)).toBe('running');
  });

  it('finished and stopped entries stay as recorded, whatever the pid', () => {
    expect(runState(entry('f', { state: 'finished' }), probe(() => false))).toBe('finished');
    expect(runState(entry('s', { state: 'stopped' }), probe(() => false))).toBe('stopped');
  });

  it('an entry from another controller host, or without a controller, cannot be checked: running?', () => {
    const other = entry('o', { controller: { host: 'elsewhere', pid: 42 } });
    expect(runState(other, probe(() => false))).toBe('running?');
    expect(stateNote(other, probe(() => false))).toMatch(/pid 42 on controller elsewhere, which cannot be checked from ctl/);
    expect(runState(entry('n', { controller: undefined }), probe(() => false))).toBe('running?');
  });

  it('abandoned applies on the given hosts, with the hosts they had not finished', () => {
    const dead = probe(() => false);
    const es = [entry('1'), entry('2', { mode: 'check' }), entry('3', { state: 'finished' }), entry('4', { hosts: [{ host: 'c', status: 'running' }] })];
    expect(abandonedOn(es, ['a', 'b'], dead).map((x) => [x.entry.id, x.hosts])).toEqual([['1', ['a']]]);
    expect(abandonedOn(es, ['b'], dead)).toEqual([]); // b had finished in that run
    expect(abandonedOn(es, ['a'], probe(() => true))).toEqual([]); // still running
  });
});

describe('the local process probe', () => {
  it('this process is alive, with its start time; a wrong start time is a reused pid, not the run', () => {
    const me = thisController();
    expect(me).toMatchObject({ host: hostname(), pid: process.pid });
    expect(me.pidStart).toBe(pidStartOf(process.pid));
    expect(localProbe.alive(me.pid, me.pidStart)).toBe(true);
    expect(localProbe.alive(me.pid)).toBe(true);
    if (me.pidStart !== undefined) expect(localProbe.alive(me.pid, me.pidStart + 1)).toBe(false);
  });

  it('a process that exited is dead; pid 1 (not ours) is alive', () => {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    expect(localProbe.alive(Number(child.stdout))).toBe(false);
    expect(localProbe.alive(1)).toBe(true);
  });

  it('a running entry of this process is running, of an exited one abandoned', () => {
    expect(runState(entry('me', { controller: thisController() }))).toBe('running');
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    expect(runState(entry('dead', { controller: { host: hostname(), pid: Number(child.stdout) } }))).toBe('abandoned');
  });
});

describe('journal files', () => {
  it('entries are 0600 in a 0700 directory, rewritten entries too', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fleet-journal-')), 'runs');
    const j = new Journal(dir);
    j.write(entry('20260101T000000Z-aaaa'));
    j.write(entry('20260101T000000Z-aaaa', { state: 'finished' }));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, '20260101T000000Z-aaaa.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['20260101T000000Z-aaaa.json']); // no temp file left
  });

  it('list: newest first, only running ones when asked, the newest N, unreadable files skipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-journal-'));
    const j = new Journal(dir);
    j.write(entry('20260101T000000Z-0001'));
    j.write(entry('20260102T000000Z-0002', { state: 'finished' }));
    j.write(entry('20260103T000000Z-0003'));
    writeFileSync(join(dir, '20260104T000000Z-0004.json'), '{ not json');
    expect(j.list().map((e) => e.id)).toEqual(['20260103T000000Z-0003', '20260102T000000Z-0002', '20260101T000000Z-0001']);
    expect(j.list({ running: true }).map((e) => e.id)).toEqual(['20260103T000000Z-0003', '20260101T000000Z-0001']);
    expect(j.list({ recent: 3, running: true }).map((e) => e.id)).toEqual(['20260103T000000Z-0003']);
  });
});
