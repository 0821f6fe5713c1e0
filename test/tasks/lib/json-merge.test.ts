import { describe, expect, it } from 'vitest';
import { deepEqual, deepMerge, keyChanges, parseJsonFile, removePaths } from '../../../src/tasks/lib/json-merge.js';

describe('deepMerge', () => {
  it('merges mappings, replaces lists and scalars, keeps order and appends new keys', () => {
    const out = deepMerge({ b: 1, a: { x: 1, y: [1, 2] }, c: 'k' }, { a: { y: [3], z: null }, d: true, c: { now: 'object' } });
    expect(out).toEqual({ b: 1, a: { x: 1, y: [3], z: null }, c: { now: 'object' }, d: true });
    expect(Object.keys(out)).toEqual(['b', 'a', 'c', 'd']);
    expect(Object.keys(out.a as object)).toEqual(['x', 'y', 'z']);
  });
  it('does not modify its input', () => {
    const base = { a: { x: 1 } };
    deepMerge(base, { a: { y: 2 } });
    expect(base).toEqual({ a: { x: 1 } });
  });
  it('treats __proto__ as an ordinary key', () => {
    const out = deepMerge({}, JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":true}}');
  });
});

describe('removePaths', () => {
  it('removes dotted paths and ignores missing ones', () => {
    expect(removePaths({ a: { b: 1, c: 2 }, d: 3 }, ['a.b', 'd', 'x.y', 'a.c.deeper'])).toEqual({ a: { c: 2 } });
  });
});

describe('deepEqual', () => {
  it('ignores key order, not list order', () => {
    expect(deepEqual({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(true);
    expect(deepEqual({ b: [2, 1] }, { b: [1, 2] })).toBe(false);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
  });
});

describe('parseJsonFile', () => {
  it('an empty or blank file is an empty object', () => {
    expect(parseJsonFile('/x', ' \n')).toEqual({});
  });
  it('names the path, the line and the column, and says what to do', () => {
    expect(() => parseJsonFile('/etc/docker/daemon.json', '{\n  "a": 1,\n}\n')).toThrow(
      /^\/etc\/docker\/daemon\.json is not valid JSON \(line 3 column 1: .+\); fix it by hand or remove it/,
    );
    expect(() => parseJsonFile('/x', '{"a": ')).toThrow(/\/x is not valid JSON \(line 1 .*Unexpected end of JSON input/);
  });
});

describe('keyChanges', () => {
  it('lists set and removed keys as dotted paths', () => {
    expect(keyChanges({ a: { x: 1 }, debug: true, k: 1 }, { a: { x: 1, 'max-size': '10m' }, k: 2, 'live-restore': true })).toEqual({
      set: ['a.max-size', 'k', 'live-restore'],
      removed: ['debug'],
    });
  });
});
