// file: plans from fixtures, and real state changes with /bin/sh.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileState } from '../../src/facts/file.js';
import { parseArgs } from '../../src/schema/schema.js';
import { fileTask } from '../../src/tasks/file.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { convergeLocal } from '../support/run-local.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'fleet-file-'));
const changes = (p: Plan) => (isOk(p) ? [] : (p as Change[]));
const dir: FileState = { exists: true, type: 'directory', mode: '0755', owner: 'root', group: 'root', uid: 0, gid: 0, size: 4096 };
const plan = (raw: object, now: FileState) => fileTask.plan(parseArgs(fileTask.args, raw), { now });

describe('file (fixtures)', () => {
  it('a symlink is the link itself: removed, replaced only with force, never chmodded through; follow manages the target', () => {
    const link: FileState = { exists: true, type: 'symlink', mode: '0777', owner: 'app', group: 'app', uid: 1000, gid: 1000, size: 11, link: '/etc/shadow' };
    expect(() => plan({ path: '/home/app/l', mode: '0644' }, link)).toThrow('/home/app/l is a symlink, not a file (to /etc/shadow); set follow: true to manage what it points to, or force: true to replace the link');
    expect(changes(plan({ path: '/home/app/l', state: 'absent' }, link))[0]!.summary).toBe('remove symlink /home/app/l (to /etc/shadow)');
    expect(() => plan({ path: '/home/app/l/x', mode: '0644' }, { exists: false, unsafe: '/home/app/l is a symlink owned by uid 1000' })).toThrow(/fleet does not go through/);
    const followed = changes(plan({ path: '/etc/app.conf', mode: '0600', follow: true }, { ...dir, type: 'file', mode: '0644', link: '/srv/app.conf' }))[0]!;
    expect(followed.summary).toBe('/srv/app.conf (through the symlink /etc/app.conf): mode 0644 -> 0600');
    expect(followed.steps[0]!.request).toMatchObject({ op: 'A', path: '/srv/app.conf', mode: '0600' });
  });
  it('summarizes each attribute change', () => {
    expect(changes(plan({ path: '/d', state: 'directory', mode: '0700', owner: 'app', group: 'app' }, dir))[0]!.summary).toBe('/d: mode 0755 -> 0700, owner root -> app, group root -> app');
  });
  it('ok with the reason when right; numeric owner matches the uid', () => {
    expect(plan({ path: '/d', state: 'directory', owner: '0' }, dir)).toEqual({ ok: '/d is a directory with the wanted attributes' });
  });
  it('refuses to turn a directory into a file without force', () => {
    expect(() => plan({ path: '/d', state: 'touch' }, dir)).toThrow('/d is a directory, not a file; set force: true to replace it (its content is lost)');
  });
  it('rejects an unknown state and a bad mode before any connection', () => {
    expect(() => parseArgs(fileTask.args, { path: '/d', state: 'link' })).toThrow(/state/);
    expect(() => parseArgs(fileTask.args, { path: '/d', mode: '999' })).toThrow(/mode/);
  });
});

describe('file (real paths)', () => {
  it('touch creates an empty file once and keeps existing content', () => {
    const d = tmp();
    const { first, second } = convergeLocal(fileTask, { path: `${d}/t`, state: 'touch', mode: '0640' });
    expect(changes(first)[0]!.summary).toBe(`create file ${d}/t (mode (new) -> 0640)`);
    expect(readFileSync(`${d}/t`, 'utf8')).toBe('');
    expect((statSync(`${d}/t`).mode & 0o777).toString(8)).toBe('640');
    expect(isOk(second)).toBe(true);
    writeFileSync(`${d}/t`, 'keep');
    expect(convergeLocal(fileTask, { path: `${d}/t`, state: 'touch' }).first).toEqual({ ok: `${d}/t is a file with the wanted attributes` });
    expect(readFileSync(`${d}/t`, 'utf8')).toBe('keep');
  });
  it('force replaces a file with a directory', () => {
    const d = tmp();
    writeFileSync(`${d}/x`, 'data');
    const { second } = convergeLocal(fileTask, { path: `${d}/x`, state: 'directory', force: true });
    expect(statSync(`${d}/x`).isDirectory()).toBe(true);
    expect(isOk(second)).toBe(true);
  });
  it('absent removes a symlink, never what it points to', () => {
    const d = tmp();
    mkdirSync(`${d}/data`);
    writeFileSync(`${d}/data/keep`, 'x');
    symlinkSync(`${d}/data`, `${d}/link`);
    const { first, second } = convergeLocal(fileTask, { path: `${d}/link`, state: 'absent' });
    expect(changes(first)[0]!.summary).toBe(`remove symlink ${d}/link (to ${d}/data)`);
    expect(() => lstatSync(`${d}/link`)).toThrow();
    expect(existsSync(`${d}/data/keep`)).toBe(true);
    expect(second).toEqual({ ok: `${d}/link is absent` });
  });
  it('absent removes a directory tree', () => {
    const d = tmp();
    mkdirSync(`${d}/tree/deep`, { recursive: true });
    const { first, second } = convergeLocal(fileTask, { path: `${d}/tree`, state: 'absent' });
    expect(changes(first)[0]!.summary).toBe(`remove directory ${d}/tree`);
    expect(existsSync(`${d}/tree`)).toBe(false);
    expect(isOk(second)).toBe(true);
  });
});
