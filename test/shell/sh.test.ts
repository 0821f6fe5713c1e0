import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NulInShellValueError, quote, sh } from '../../src/shell/sh.js';

const echoBack = (value: string) => spawnSync('/bin/sh', ['-c', sh`printf '%s' ${value}`.text], { encoding: 'utf8' }).stdout;

describe('quote', () => {
  it.each(['', 'plain', "it's", '$(id)', '`id`', '*', '-rf', 'a b\nc', '\\', '"', 'ünï💥', "'"])('round-trips %j through sh', (v) => {
    expect(echoBack(v)).toBe(v);
  });

  it('round-trips any string without NUL (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }).filter((s) => !s.includes('\0')), (v) => echoBack(v) === v),
      { numRuns: 200 },
    );
    // 200 shells: seconds on a loaded machine (a correctness property, not a timing one)
  }, 60_000);

  it('rejects NUL with a clear error', () => {
    expect(() => quote('a\0b')).toThrow(NulInShellValueError);
  });

  it('splices arrays as one word each and Scripts verbatim', () => {
    expect(sh`ls ${['a b', 'c']} ${sh`| wc -l`}`.text).toBe("ls 'a b' c | wc -l");
  });
});
