import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { evalWhen, parseExpr, ExprError } from '../../src/playbook/expr.js';
import { compareDebVersions } from '../../src/util/debversion.js';

const scope = {
  n: 3,
  s: 'lxc',
  list: ['a', 'b'],
  m: { k: 'v', nested: { x: 1 } },
  facts: { container: 'lxc', docker: { installed: true, version: '20.10.24' } },
  empty: '',
  group_names: ['full', 'lxc'],
};

describe('when expressions', () => {
  it.each([
    ['n == 3', true],
    ['n > 2 and n < 4', true],
    ['not n == 3 or s == "lxc"', true],
    ["'full' in group_names", true],
    ["'x' not in list", true],
    ['m.k == "v" and m["nested"].x == 1', true],
    ['list[1] == "b"', true],
    ['facts.docker.installed', true],
    ['facts.container != "lxc"', false],
    ['missing is defined', false],
    ['missing is not defined', true],
    ['missing | default(5) == 5', true],
    ['list | length == 2', true],
    ['"yes" | bool', true],
    ['empty', false],
    ['(n == 1 or n == 3) and not (s == "docker")', true],
    ["facts.docker.version is version('20.10.5', '>')", true],
    ["'1.7.28-1' is version('1.7.28-2', '<')", true],
    ['[1, 2] == [1, 2]', true],
    ['m.constructor is defined', false],
    ['m.__proto__ is defined', false],
  ])('%s -> %s', (src, want) => {
    expect(evalWhen(src, scope)).toBe(want);
  });

  it('a list of conditions must all hold', () => {
    expect(evalWhen(['n == 3', 's == "lxc"'], scope)).toBe(true);
    expect(evalWhen(['n == 3', 's == "no"'], scope)).toBe(false);
  });

  it.each([
    ['n ==', /unexpected end of expression \(at column 5\)/],
    ['n = 3', /unexpected '=' \(compare with '=='\) \(at column 3\)/],
    ['"open', /unterminated string \(at column 1\)/],
    ['n == 3)', /unexpected '\)' \(at column 7\)/],
  ])('syntax error %s', (src, re) => {
    expect(() => parseExpr(src)).toThrow(re);
  });

  it('an undefined variable is an error that says how to guard it', () => {
    expect(() => evalWhen('nope == 1', scope)).toThrow(ExprError);
    expect(() => evalWhen('m.nope.deeper == 1', scope)).toThrow(/undefined variable 'm\.nope\.deeper'/);
  });

  it('cannot reach JavaScript internals', () => {
    expect(() => evalWhen('m.constructor.name == "Object"', scope)).toThrow(/undefined variable/);
    expect(() => evalWhen('s.length == 3', scope)).toThrow(/undefined variable/);
  });
});

describe('Debian version comparison', () => {
  const pairs: [string, string][] = [
    ['1.0~rc1', '1.0'],
    ['1.0', '1.0-1'],
    ['1.7.28-1', '1.7.28-2'],
    ['1.7.28-1~debian.12~bookworm', '1.7.28-1'],
    ['1.9', '1.10'],
    ['2.0', '1:1.0'],
    ['6.0.5-1', '6.0.5-2'],
    ['1.0a', '1.0b'],
    ['1.0+dfsg1', '1.0+dfsg2'],
    ['20.10.24+dfsg1-1', '20.10.24+dfsg1-1+deb12u1'],
    ['1.2.3', '1.2.3.0'],
  ];
  it.each(pairs)('%s < %s (and dpkg agrees)', (a, b) => {
    expect(compareDebVersions(a, b)).toBeLessThan(0);
    expect(compareDebVersions(b, a)).toBeGreaterThan(0);
    expect(() => execFileSync('dpkg', ['--compare-versions', a, 'lt', b])).not.toThrow();
  });
  it('equal versions', () => {
    expect(compareDebVersions('0:1.0-1', '1.0-1')).toBe(0);
  });
});
