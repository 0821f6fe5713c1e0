// Fixture tests for the file tasks (args + facts -> plan), and each one converged for real with
// /bin/sh in a temp directory: apply, then the plan is ok with its reason.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/schema/schema.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { blockinfileTask, copyTask, fileTask, jsonFileTask, lineinfileTask, templateTask } from '../../src/tasks/builtin-tasks.js';
import type { FileState } from '../../src/facts/file.js';
import { convergeLocal } from '../support/run-local.js';

const file = (content: string, mode = '0644'): FileState => ({ exists: true, type: 'file', mode, owner: 'root', group: 'root', size: content.length, content });
const ABSENT: FileState = { exists: false };
const changes = (p: Plan) => (isOk(p) ? [] : (p as Change[]));
const tmp = () => mkdtempSync(join(tmpdir(), 'fleet-task-'));

describe('copy', () => {
  const plan = (args: object, now: FileState) => copyTask.plan(parseArgs(copyTask.args, args), { now });
  it('creates a missing file with a diff', () => {
    const c = changes(plan({ dest: '/etc/x', content: 'a\n' }, ABSENT));
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ summary: 'create /etc/x', diff: { path: '/etc/x', before: '', after: 'a\n' }, invalidates: ['file:/etc/x'] });
  });
  it('is ok with the reason when content and mode match', () => {
    expect(plan({ dest: '/etc/x', content: 'a\n', mode: '0644' }, file('a\n'))).toEqual({ ok: '/etc/x is up to date' });
  });
  it('changes only the mode when only the mode differs', () => {
    expect(changes(plan({ dest: '/etc/x', content: 'a\n', mode: '0600' }, file('a\n')))[0]!.summary).toBe('/etc/x: mode 0644 -> 0600');
  });
  it('refuses to manage a directory as a file', () => {
    expect(() => plan({ dest: '/etc', content: 'a' }, { ...file(''), type: 'directory' } as FileState)).toThrow(/is a directory, not a regular file/);
  });
  it('needs exactly one of content or src', () => {
    expect(() => parseArgs(copyTask.args, { dest: '/x' })).toThrow(/give exactly one of content or src/);
  });
  it('converges for real, with a backup and a validate command', () => {
    const d = tmp();
    writeFileSync(`${d}/f`, 'old\n');
    const { first, second } = convergeLocal(copyTask, { dest: `${d}/f`, content: 'new\n', mode: '0600', backup: true, validate: 'grep -q new %s' });
    expect(changes(first)[0]!.diff).toEqual({ path: `${d}/f`, before: 'old\n', after: 'new\n' });
    expect(readFileSync(`${d}/f`, 'utf8')).toBe('new\n');
    expect((statSync(`${d}/f`).mode & 0o777).toString(8)).toBe('600');
    expect(second).toEqual({ ok: `${d}/f is up to date` });
    expect(readdirSync(d).filter((f) => f.endsWith('~'))).toHaveLength(1);
  });
  it('leaves the file untouched when validate rejects the new content', () => {
    const d = tmp();
    writeFileSync(`${d}/f`, 'old\n');
    expect(() => convergeLocal(copyTask, { dest: `${d}/f`, content: 'bad\n', validate: 'grep -q good %s' })).toThrow(/step failed/);
    expect(readFileSync(`${d}/f`, 'utf8')).toBe('old\n');
    expect(readdirSync(d)).toEqual(['f']); // no temp file left behind
  });
});

describe('file', () => {
  const plan = (args: object, now: FileState) => fileTask.plan(parseArgs(fileTask.args, args), { now });
  it('creates a directory with its mode', () => {
    expect(changes(plan({ path: '/d', state: 'directory', mode: '0750' }, ABSENT))[0]!.summary).toBe('create directory /d (mode (new) -> 0750)');
  });
  it('ok when absent and wanted absent', () => {
    expect(plan({ path: '/d', state: 'absent' }, ABSENT)).toEqual({ ok: '/d is absent' });
  });
  it('refuses to replace a file with a directory unless forced', () => {
    expect(() => plan({ path: '/d', state: 'directory' }, file('x'))).toThrow(/set force: true/);
    expect(changes(plan({ path: '/d', state: 'directory', force: true }, file('x')))[0]!.summary).toBe('replace file /d with a directory');
  });
  it("state 'file' requires the file to exist", () => {
    expect(() => plan({ path: '/f' }, ABSENT)).toThrow(/does not exist; use state: touch/);
  });
  it('converges for real', () => {
    const d = tmp();
    const { second } = convergeLocal(fileTask, { path: `${d}/sub`, state: 'directory', mode: '0700' });
    expect(statSync(`${d}/sub`).isDirectory()).toBe(true);
    expect(isOk(second)).toBe(true);
    const gone = convergeLocal(fileTask, { path: `${d}/sub`, state: 'absent' });
    expect(gone.second).toEqual({ ok: `${d}/sub is absent` });
  });
});

describe('lineinfile', () => {
  const plan = (args: object, now: FileState) => lineinfileTask.plan(parseArgs(lineinfileTask.args, args), { now });
  it('replaces the last matching line', () => {
    const c = changes(plan({ path: '/f', regexp: '^#?Max', line: 'Max 4' }, file('a\n#Max 6\nb\nMax 5\n')));
    expect(c[0]!.diff!.after).toBe('a\n#Max 6\nb\nMax 4\n');
  });
  it('inserts after a match, or at the end', () => {
    expect(changes(plan({ path: '/f', line: 'new', insertafter: '^a' }, file('a\nb\n')))[0]!.diff!.after).toBe('a\nnew\nb\n');
    expect(changes(plan({ path: '/f', line: 'new' }, file('a')))[0]!.diff!.after).toBe('a\nnew\n');
  });
  it('removes every matching line', () => {
    expect(changes(plan({ path: '/f', regexp: '^x', state: 'absent' }, file('x1\ny\nx2\n')))[0]!.diff!.after).toBe('y\n');
  });
  it('ok when the line is there', () => {
    expect(plan({ path: '/f', line: 'b' }, file('a\nb\n'))).toEqual({ ok: '/f is up to date' });
  });
  it('needs create: true for a missing file, and a valid regexp', () => {
    expect(() => plan({ path: '/f', line: 'x' }, ABSENT)).toThrow(/set create: true/);
    expect(() => parseArgs(lineinfileTask.args, { path: '/f', line: 'x', regexp: '(' })).toThrow(/argument 'regexp' is not a valid regular expression/);
  });
  it('converges for real', () => {
    const d = tmp();
    writeFileSync(`${d}/c`, 'PermitRootLogin yes\n');
    const { second } = convergeLocal(lineinfileTask, { path: `${d}/c`, regexp: '^PermitRootLogin', line: 'PermitRootLogin no' });
    expect(readFileSync(`${d}/c`, 'utf8')).toBe('PermitRootLogin no\n');
    expect(isOk(second)).toBe(true);
  });
});

describe('blockinfile', () => {
  const plan = (args: object, now: FileState) => blockinfileTask.plan(parseArgs(blockinfileTask.args, args), { now });
  it('inserts a marked block, replaces it in place, removes it', () => {
    const first = changes(plan({ path: '/f', block: 'x\ny' }, file('a\n')))[0]!.diff!.after;
    expect(first).toBe('a\n# BEGIN FLEET MANAGED BLOCK\nx\ny\n# END FLEET MANAGED BLOCK\n');
    expect(changes(plan({ path: '/f', block: 'z' }, file(first)))[0]!.diff!.after).toBe('a\n# BEGIN FLEET MANAGED BLOCK\nz\n# END FLEET MANAGED BLOCK\n');
    expect(changes(plan({ path: '/f', state: 'absent' }, file(first)))[0]!.diff!.after).toBe('a\n');
    expect(plan({ path: '/f', block: 'x\ny' }, file(first))).toEqual({ ok: '/f is up to date' });
  });
});

describe('json_file', () => {
  const plan = (args: object, now: FileState) => jsonFileTask.plan(parseArgs(jsonFileTask.args, args), { now });
  const daemon = '{\n    "cgroup-parent": "x",\n    "log-opts": {"max-file": "5"}\n}\n';
  it('merges keys, keeps the others and their order, summarizes what changes', () => {
    const c = changes(plan({ path: '/d.json', set: { 'log-opts': { 'max-size': '10m' }, 'live-restore': true } }, file(daemon)));
    expect(JSON.parse(c[0]!.diff!.after)).toEqual({ 'cgroup-parent': 'x', 'log-opts': { 'max-file': '5', 'max-size': '10m' }, 'live-restore': true });
    expect(Object.keys(JSON.parse(c[0]!.diff!.after))).toEqual(['cgroup-parent', 'log-opts', 'live-restore']);
    expect(c[0]!.summary).toBe('update /d.json: set log-opts.max-size, live-restore');
  });
  it('never rewrites a file that already has the keys, whatever its formatting', () => {
    expect(plan({ path: '/d.json', set: { 'log-opts': { 'max-file': '5' } } }, file(daemon))).toEqual({ ok: '/d.json is up to date' });
  });
  it('removes dotted keys', () => {
    const c = changes(plan({ path: '/d.json', remove: ['log-opts.max-file', 'cgroup-parent'] }, file(daemon)));
    expect(JSON.parse(c[0]!.diff!.after)).toEqual({ 'log-opts': {} });
  });
  it('refuses to overwrite invalid JSON, naming the line', () => {
    expect(() => plan({ path: '/d.json', set: { a: 1 } }, file('{\n  "a": 1,\n}\n'))).toThrow(/\/d\.json is not valid JSON .*fleet will not overwrite it/);
  });
  it('converges for real', () => {
    const d = tmp();
    const { second } = convergeLocal(jsonFileTask, { path: `${d}/daemon.json`, set: { 'log-driver': 'json-file' } });
    expect(readFileSync(`${d}/daemon.json`, 'utf8')).toBe('{\n  "log-driver": "json-file"\n}\n');
    expect(isOk(second)).toBe(true);
  });
});

describe('template', () => {
  it('renders on the controller in resolve, then plans like copy', () => {
    const d = tmp();
    mkdirSync(`${d}/t`);
    writeFileSync(`${d}/t/a.hbs`, 'port={{ port }}\n');
    const args = parseArgs(templateTask.args, { src: 't/a.hbs', dest: '/etc/a.conf' });
    const resolved = templateTask.resolve!(args, { readFile: (p) => readFileSync(join(d, p), 'utf8'), render: (t) => t.replace('{{ port }}', '8080') });
    expect(changes(templateTask.plan(resolved, { now: ABSENT }))[0]!.diff!.after).toBe('port=8080\n');
  });
});
