// YAML 1.1 scalars as PyYAML (and so Ansible) resolves them. The differential test against PyYAML
// itself is test/playbook/yaml11.it.test.ts; these are the cases an operator meets.
import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../src/playbook/yaml-source.js';

const value = (text: string): unknown => (parseYaml(`v: ${text}\n`, 'x.yaml', 'test').doc.toJS() as { v: unknown }).v;

describe('YAML 1.1 scalars, as Ansible reads them', () => {
  it.each([
    ['no', false], ['off', false], ['Yes', true], ['ON', true], ['n', 'n'], ['y', 'y'], ['tRue', 'tRue'],
    ['0644', 420], ['0o17', '0o17'], ['0x10', 16], ['0b101', 5], ['08', '08'], ['1_000', 1000], ['1:20', 80],
    ['1e3', '1e3'], ['1.0e+3', 1000], ['.5', 0.5], ['~', null], ['Null', null], ['2001-12-14', '2001-12-14'],
  ])('%s', (text, want) => {
    expect(value(text)).toEqual(want);
  });
  it('merge keys work as in PyYAML', () => {
    expect(parseYaml('a: &x { k: 1 }\nb: { <<: *x, j: 2 }\n', 'x.yaml', 'test').doc.toJS()).toEqual({ a: { k: 1 }, b: { k: 1, j: 2 } });
  });
});

describe('enum arguments under YAML 1.1', () => {
  it("an unquoted off (a boolean in YAML 1.1) is the enum's 'off'", async () => {
    const { oneOf, parseArgs } = await import('../../src/schema/schema.js');
    expect(parseArgs(oneOf(['report', 'tls', 'off']), false)).toBe('off');
    expect(() => parseArgs(oneOf(['report', 'tls', 'off']), true)).toThrow(/must be one of report, tls, off/);
    expect(parseArgs(oneOf(['on', 'off']), true)).toBe('on');
  });
});
