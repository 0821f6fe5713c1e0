// blockinfile: marker handling, plans, and real edits with /bin/sh (the edit itself is table-tested
// in lib/text-edit.test.ts).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileState } from '../../src/facts/file.js';
import { parseArgs } from '../../src/schema/schema.js';
import { blockinfileTask } from '../../src/tasks/blockinfile.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { convergeLocal } from '../support/run-local.js';

const changes = (p: Plan) => (isOk(p) ? [] : (p as Change[]));
const file = (content: string): FileState => ({ exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', size: content.length, content });
const plan = (raw: object, now: FileState) => blockinfileTask.plan(parseArgs(blockinfileTask.args, raw), { now });

describe('blockinfile', () => {
  it('uses custom markers', () => {
    const c = changes(plan({ path: '/f', block: 'x', marker: '// {mark} mine', marker_begin: 'start', marker_end: 'stop' }, file('')));
    expect(c[0]!.diff!.after).toBe('// start mine\nx\n// stop mine\n');
  });
  it('a marker without {mark} is rejected: the block could not be found again', () => {
    expect(() => parseArgs(blockinfileTask.args, { path: '/f', block: 'x', marker: '# mine' })).toThrow(/argument 'marker' must contain \{mark\}/);
  });
  it('an empty block removes the block; removing from a missing file is ok', () => {
    expect(changes(plan({ path: '/f' }, file('a\n# BEGIN FLEET MANAGED BLOCK\nx\n# END FLEET MANAGED BLOCK\n')))[0]!.diff!.after).toBe('a\n');
    expect(plan({ path: '/f', state: 'absent' }, { exists: false })).toEqual({ ok: '/f does not exist' });
  });
  it('inserts, updates in place and removes for real, each re-run changing nothing', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-bif-'));
    const p = `${d}/hosts`;
    writeFileSync(p, '127.0.0.1 localhost\n::1 localhost');
    const add = convergeLocal(blockinfileTask, { path: p, block: '10.0.0.1 a\n10.0.0.2 b\n', insertbefore: '^::1' });
    expect(readFileSync(p, 'utf8')).toBe('127.0.0.1 localhost\n# BEGIN FLEET MANAGED BLOCK\n10.0.0.1 a\n10.0.0.2 b\n# END FLEET MANAGED BLOCK\n::1 localhost\n');
    expect(isOk(add.second)).toBe(true);
    const upd = convergeLocal(blockinfileTask, { path: p, block: '10.0.0.3 c', insertbefore: '^::1' });
    expect(readFileSync(p, 'utf8')).toBe('127.0.0.1 localhost\n# BEGIN FLEET MANAGED BLOCK\n10.0.0.3 c\n# END FLEET MANAGED BLOCK\n::1 localhost\n');
    expect(isOk(upd.second)).toBe(true);
    const del = convergeLocal(blockinfileTask, { path: p, state: 'absent' });
    expect(readFileSync(p, 'utf8')).toBe('127.0.0.1 localhost\n::1 localhost\n');
    expect(del.second).toEqual({ ok: `${p} is up to date` });
  });
});
