// lineinfile: argument checks, plans, and real edits with /bin/sh (the edit itself is table-tested
// in lib/text-edit.test.ts).
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileState } from '../../src/facts/file.js';
import { parseArgs } from '../../src/schema/schema.js';
import { lineinfileTask } from '../../src/tasks/lineinfile.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { convergeLocal } from '../support/run-local.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'fleet-lif-'));
const changes = (p: Plan) => (isOk(p) ? [] : (p as Change[]));
const file = (content: string): FileState => ({ exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', size: content.length, content });
const plan = (raw: object, now: FileState) => lineinfileTask.plan(parseArgs(lineinfileTask.args, raw), { now });

describe('lineinfile', () => {
  it('refuses a symlink unless follow; following, edits the real file and says so', () => {
    const link: FileState = { exists: true, type: 'symlink', mode: '0777', owner: 'app', group: 'app', size: 9, link: '/etc/shadow' };
    expect(() => plan({ path: '/home/app/f', line: 'x' }, link)).toThrow('/home/app/f is a symlink to /etc/shadow: fleet does not write through a link unless the task says follow: true');
    expect(() => plan({ path: '/home/app/f', line: 'x' }, { exists: false, unsafe: '/home/app is a symlink owned by uid 1000' })).toThrow('/home/app/f: fleet does not go through /home/app is a symlink owned by uid 1000');
    const followed = changes(plan({ path: '/etc/app.conf', line: 'x', follow: true }, { ...file('a\n'), link: '/srv/app.conf' } as FileState))[0]!;
    expect(followed.summary).toBe('update /srv/app.conf (through the symlink /etc/app.conf)');
    expect(followed.diff?.path).toBe('/srv/app.conf');
    expect(followed.invalidates).toEqual(['file+follow:/etc/app.conf', 'file:/srv/app.conf']);
  });
  it('checks its arguments before any connection', () => {
    const parse = (raw: object) => parseArgs(lineinfileTask.args, raw);
    expect(() => parse({ path: '/f' })).toThrow(/argument 'line' is required with state 'present'/);
    expect(() => parse({ path: '/f', state: 'absent' })).toThrow(/state absent needs line or regexp/);
    expect(() => parse({ path: '/f', line: 'x', insertafter: '(' })).toThrow(/argument 'insertafter' is not a valid regular expression/);
    expect(() => parse({ path: '/f', line: 'x', insertafter: 'a', insertbefore: 'b' })).toThrow(/insertafter or insertbefore, not both/);
  });
  it('a file without a final newline that already has the line is left alone', () => {
    expect(plan({ path: '/f', line: 'b' }, file('a\nb'))).toEqual({ ok: '/f is up to date' });
  });
  it('removing from a missing file is ok; adding needs create', () => {
    expect(plan({ path: '/f', line: 'b', state: 'absent' }, { exists: false })).toEqual({ ok: '/f does not exist' });
    expect(() => plan({ path: '/f', line: 'b' }, { exists: false })).toThrow('/f does not exist; set create: true to create it');
    expect(changes(plan({ path: '/f', line: 'b', create: true }, { exists: false }))[0]).toMatchObject({ summary: 'create /f', diff: { before: '', after: 'b\n' } });
  });
  it('refuses to edit a directory', () => {
    expect(() => plan({ path: '/etc', line: 'b' }, { ...file(''), type: 'directory' } as FileState)).toThrow('/etc exists but is a directory, not a regular file');
  });
  it('creates with a mode, edits, and re-runs with no change, for real', () => {
    const d = tmp();
    const p = `${d}/sub.conf`;
    const made = convergeLocal(lineinfileTask, { path: p, line: 'a=1', create: true, mode: '0600' });
    expect(changes(made.first)[0]!.summary).toBe(`create ${p}`);
    expect(isOk(made.second)).toBe(true);
    expect((statSync(p).mode & 0o777).toString(8)).toBe('600');
    writeFileSync(p, '# head\na=1\n#b=0\n');
    const edited = convergeLocal(lineinfileTask, { path: p, regexp: '^#?b=', line: 'b=2' });
    expect(changes(edited.first)[0]!.diff).toEqual({ path: p, before: '# head\na=1\n#b=0\n', after: '# head\na=1\nb=2\n' });
    expect(readFileSync(p, 'utf8')).toBe('# head\na=1\nb=2\n');
    expect(edited.second).toEqual({ ok: `${p} is up to date` });
    expect((statSync(p).mode & 0o777).toString(8)).toBe('600');
  });
});
