// json_file: summaries, refusals, and real merges with /bin/sh that keep every other key.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileState } from '../../src/facts/file.js';
import { parseArgs } from '../../src/schema/schema.js';
import { jsonFileTask } from '../../src/tasks/json_file.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { convergeLocal } from '../support/run-local.js';

const changes = (p: Plan) => (isOk(p) ? [] : (p as Change[]));
const file = (content: string, mode = '0644'): FileState => ({ exists: true, type: 'file', mode, owner: 'root', group: 'root', size: content.length, content });
const plan = (raw: object, now: FileState) => jsonFileTask.plan(parseArgs(jsonFileTask.args, raw), { now });

describe('json_file', () => {
  it('summarizes keys set and removed', () => {
    const c = changes(plan({ path: '/d.json', set: { 'log-opts': { 'max-size': '10m' }, 'live-restore': true }, remove: ['debug'] }, file('{"debug": true, "log-opts": {}}')));
    expect(c[0]!.summary).toBe('update /d.json: set log-opts.max-size, live-restore; remove debug');
  });
  it('creates a missing file (0644 by default) unless told not to', () => {
    const c = changes(plan({ path: '/d.json', set: { a: 1 } }, { exists: false }));
    expect(c[0]).toMatchObject({ summary: 'create /d.json: set a', diff: { before: '', after: '{\n  "a": 1\n}\n' } });
    expect(() => plan({ path: '/d.json', set: { a: 1 }, create: false }, { exists: false })).toThrow('/d.json does not exist; set create: true to create it');
  });
  it('only fixes the mode when the keys are right, without reformatting', () => {
    const c = changes(plan({ path: '/d.json', set: { a: 1 }, mode: '0600' }, file('{"a":1}')));
    expect(c).toHaveLength(1);
    expect(c[0]!.summary).toBe('/d.json: mode 0644 -> 0600');
    expect(c[0]!.diff).toBeUndefined();
  });
  it('refuses a document that is not an object, and a key both set and removed', () => {
    expect(() => plan({ path: '/d.json', set: { a: 1 } }, file('[1, 2]\n'))).toThrow('/d.json holds a JSON array, not an object');
    expect(() => parseArgs(jsonFileTask.args, { path: '/d.json', set: { a: { b: 1 } }, remove: ['a.b'] })).toThrow(/argument 'remove\.0' 'a\.b' is also in set/);
  });
  it('uses the indent asked for', () => {
    expect(changes(plan({ path: '/d.json', set: { a: [1] }, indent: 0 }, { exists: false }))[0]!.diff!.after).toBe('{"a":[1]}\n');
  });
  it('merges into a real file, keeping other keys and their order, then changes nothing', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-json-'));
    const p = `${d}/daemon.json`;
    writeFileSync(p, '{"storage-driver":"overlay2","log-opts":{"max-file":"3"},"debug":true}');
    const { first, second } = convergeLocal(jsonFileTask, { path: p, set: { 'log-opts': { 'max-size': '10m' }, 'live-restore': true }, remove: ['debug'] });
    expect(changes(first)[0]!.summary).toBe(`update ${p}: set log-opts.max-size, live-restore; remove debug`);
    expect(readFileSync(p, 'utf8')).toBe('{\n  "storage-driver": "overlay2",\n  "log-opts": {\n    "max-file": "3",\n    "max-size": "10m"\n  },\n  "live-restore": true\n}\n');
    expect(second).toEqual({ ok: `${p} is up to date` });
  });
  it('leaves invalid JSON on the host untouched', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-json-'));
    writeFileSync(`${d}/bad.json`, '{ "a": 1, }');
    expect(() => convergeLocal(jsonFileTask, { path: `${d}/bad.json`, set: { b: 2 } })).toThrow(/bad\.json is not valid JSON \(line 1 column 11: .*\); fix it by hand/);
    expect(readFileSync(`${d}/bad.json`, 'utf8')).toBe('{ "a": 1, }');
  });
});
