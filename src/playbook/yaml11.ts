// YAML 1.1 scalars exactly as PyYAML resolves them (Ansible reads every inventory, vars file and
// playbook with PyYAML): `no`, `off` and `false` are booleans but `n` is a string; 0644 is octal;
// 1e3 (no dot) is a string, 1:20 is 80. The yaml package's own 1.1 schema differs on these, so its
// scalar tags are replaced by PyYAML's resolver rules (pyyaml resolver.py and constructor.py).
import type { ScalarTag, Tags } from 'yaml';

const Y = 'tag:yaml.org,2002:';

const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const NULL = /^(?:~|null|Null|NULL|)$/;

/** base 60: 1:20 is 80 */
const sexagesimal = (s: string, num: (x: string) => number): number => s.split(':').reduce((acc, part) => acc * 60 + num(part), 0);

function int(src: string): number | bigint {
  let s = src.replace(/_/g, '');
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  let n: number;
  if (s === '0') n = 0;
  else if (s.startsWith('0b')) n = parseInt(s.slice(2), 2);
  else if (s.startsWith('0x')) n = parseInt(s.slice(2), 16);
  else if (s.startsWith('0')) n = parseInt(s, 8);
  else if (s.includes(':')) n = sexagesimal(s, Number);
  else n = Number(s);
  return sign * n;
}

function float(src: string): number {
  let s = src.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '.inf') return sign * Infinity;
  if (s === '.nan') return NaN;
  if (s.includes(':')) return sign * sexagesimal(s, Number.parseFloat);
  return sign * Number(s);
}

const scalar = (name: string, test: RegExp, resolve: (s: string) => unknown, identify: (v: unknown) => boolean): ScalarTag => ({
  tag: `${Y}${name}`,
  default: true,
  test,
  identify,
  resolve: resolve as ScalarTag['resolve'],
});

/** PyYAML's implicit scalars. Timestamps stay strings: Ansible's output shows them as text. */
const PYYAML: ScalarTag[] = [
  scalar('null', NULL, () => null, (v) => v === null || v === undefined),
  scalar('bool', BOOL, (s) => /^(?:yes|true|on)$/i.test(s), (v) => typeof v === 'boolean'),
  scalar('int', INT, int, (v) => typeof v === 'number' && Number.isInteger(v)),
  scalar('float', FLOAT, float, (v) => typeof v === 'number'),
];

const REPLACED = new Set([`${Y}null`, `${Y}bool`, `${Y}int`, `${Y}float`, `${Y}timestamp`]);

/** For parseDocument's `customTags` with `schema: 'yaml-1.1'`: the schema's collections and
 *  explicit tags (!!binary, !!set, merge keys), PyYAML's scalars, then `extra` (!secret...). */
export function pyyamlTags(extra: Tags): (tags: Tags) => Tags {
  return (tags) => [...tags.filter((t) => typeof t === 'string' || !REPLACED.has(t.tag)), ...PYYAML, ...extra];
}
