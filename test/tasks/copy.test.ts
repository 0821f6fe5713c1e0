// copy: plans from fixtures, and real writes with /bin/sh: through symlinks, with attributes, and
// check -> apply -> re-run changes nothing.
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileState } from '../../src/facts/file.js';
import { parseArgs } from '../../src/schema/schema.js';
import { copyTask } from '../../src/tasks/copy.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { convergeLocal, gatherLocal } from '../support/run-local.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'fleet-copy-'));
const changes = (p: Plan) => (isOk(p) ? [] : (p as Change[]));
const file = (content: string, extra: Partial<FileState> = {}): FileState => ({ exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', uid: 0, gid: 0, size: content.length, content, ...extra }) as FileState;
const plan = (raw: object, now: FileState) => copyTask.plan(parseArgs(copyTask.args, raw), { now });

describe('copy (fixtures)', () => {
  it('a write carries what the file held when planned, to be checked right before the rename', () => {
    expect(changes(plan({ dest: '/x', content: 'b\n' }, file('a\n')))[0]!.steps[0]!.request).toMatchObject({ op: 'W', path: '/x', expect: createHash('sha256').update('a\n').digest('hex') });
    expect(changes(plan({ dest: '/x', content: 'b\n' }, { exists: false }))[0]!.steps[0]!.request).toMatchObject({ op: 'W', expect: 'absent' });
  });
  it('names attribute changes that ride along with a content change', () => {
    expect(changes(plan({ dest: '/x', content: 'b\n', mode: '0600', owner: 'app' }, file('a\n')))[0]!.summary).toBe('update /x (mode 0644 -> 0600, owner root -> app)');
  });
  it('owner and group given as numbers match the ids', () => {
    expect(plan({ dest: '/x', content: 'a\n', owner: '0', group: '0' }, file('a\n'))).toEqual({ ok: '/x is up to date' });
    expect(changes(plan({ dest: '/x', content: 'a\n', owner: '1000' }, file('a\n')))[0]!.summary).toBe('/x: owner root -> 1000');
  });
  it('shows no diff for binary or large files, and says so', () => {
    const c = changes(plan({ dest: '/x', content: 'text\n' }, file('\u0000\uFFFD', { binary: true })))[0]!;
    expect(c.diff).toBeUndefined();
    expect(c.summary).toBe('update /x (binary or large: no diff shown)');
    expect(changes(plan({ dest: '/x', content: 'y'.repeat(300 * 1024) }, { exists: false }))[0]!.summary).toBe('create /x (binary or large: no diff shown)');
  });
  it('refuses content over 16 MiB, and an existing file too large to read', () => {
    expect(() => plan({ dest: '/x', content: 'y'.repeat(16 * 1024 * 1024 + 1) }, { exists: false })).toThrow(/new content of \/x is larger than 16 MiB/);
    const huge: FileState = { exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', size: 2 ** 30 };
    expect(() => plan({ dest: '/x', content: 'a' }, huge)).toThrow(/\/x is larger than 16 MiB/);
  });
  it('predicts the file after the write, so later tasks in the window can plan on it', () => {
    const c = changes(plan({ dest: '/x', content: 'b\n', mode: '0600' }, file('a\n')))[0]!;
    expect(c.predicts).toEqual({ 'file:/x': { exists: true, type: 'file', mode: '0600', owner: 'root', group: 'root', uid: 0, gid: 0, size: 2, content: 'b\n', binary: false } });
    expect(plan({ dest: '/x', content: 'b\n', mode: '0600' }, c.predicts!['file:/x'] as FileState)).toEqual({ ok: '/x is up to date' });
  });
  it('validate must name the new file with %s', () => {
    expect(() => parseArgs(copyTask.args, { dest: '/x', content: '', validate: 'visudo -c' })).toThrow(/argument 'validate' must contain %s/);
  });
  it('src is read on the controller in resolve', () => {
    const a = parseArgs(copyTask.args, { dest: '/x', src: 'files/x.conf' });
    const r = copyTask.resolve!(a, { readFile: (p) => `read ${p}`, render: () => 'unused' });
    expect(r.content).toBe('read files/x.conf');
  });
});

describe('copy (real files)', () => {
  it('creates a file with 0644 by default, then changes nothing', () => {
    const d = tmp();
    const { first, second } = convergeLocal(copyTask, { dest: `${d}/new`, content: 'x' });
    expect(changes(first)[0]!.summary).toBe(`create ${d}/new`);
    expect(readFileSync(`${d}/new`, 'utf8')).toBe('x');
    expect((statSync(`${d}/new`).mode & 0o777).toString(8)).toBe('644');
    expect(second).toEqual({ ok: `${d}/new is up to date` });
  });
  it('keeps the mode of a file it replaces when none is given', () => {
    const d = tmp();
    writeFileSync(`${d}/f`, 'old', { mode: 0o600 });
    convergeLocal(copyTask, { dest: `${d}/f`, content: 'new' });
    expect((statSync(`${d}/f`).mode & 0o777).toString(8)).toBe('600');
  });
  it('with follow, writes through a symlink: the link stays, its target gets the content, and the plan names the target', () => {
    const d = tmp();
    writeFileSync(`${d}/real.conf`, 'old\n');
    symlinkSync(`${d}/real.conf`, `${d}/link.conf`);
    const { first, second } = convergeLocal(copyTask, { dest: `${d}/link.conf`, content: 'new\n', backup: true, follow: true });
    expect(changes(first)[0]!.summary).toBe(`update ${d}/real.conf (through the symlink ${d}/link.conf)`);
    expect(changes(first)[0]!.diff).toEqual({ path: `${d}/real.conf`, before: 'old\n', after: 'new\n' });
    expect(lstatSync(`${d}/link.conf`).isSymbolicLink()).toBe(true);
    expect(readlinkSync(`${d}/link.conf`)).toBe(`${d}/real.conf`);
    expect(readFileSync(`${d}/real.conf`, 'utf8')).toBe('new\n');
    expect(second).toEqual({ ok: `${d}/real.conf (through the symlink ${d}/link.conf) is up to date` });
  });
  it('without follow, refuses a symlink at dest, shows nothing of its target, and changes nothing', () => {
    const d = tmp();
    writeFileSync(`${d}/real.conf`, 'secret\n');
    symlinkSync(`${d}/real.conf`, `${d}/link.conf`);
    const args = parseArgs(copyTask.args, { dest: `${d}/link.conf`, content: 'new\n' });
    expect(() => copyTask.plan(args, gatherLocal(copyTask.facts(args)))).toThrow(`${d}/link.conf is a symlink to ${d}/real.conf: fleet does not write through a link unless the task says follow: true`);
    expect(readFileSync(`${d}/real.conf`, 'utf8')).toBe('secret\n');
  });
  it('content without a final newline and with shell metacharacters round-trips', () => {
    const d = tmp();
    const content = `a'b"c$(id)\`x\`\\\n%s no newline`;
    const { second } = convergeLocal(copyTask, { dest: `${d}/m`, content });
    expect(readFileSync(`${d}/m`, 'utf8')).toBe(content);
    expect(isOk(second)).toBe(true);
  });
});
