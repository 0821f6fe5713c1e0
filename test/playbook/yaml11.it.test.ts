// Differential: fleet's YAML scalars against PyYAML's safe_load (Debian's python3-yaml, which
// ansible-core reads every file with) on hand-picked and seeded generated plain scalars.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../src/playbook/yaml-source.js';

const PY = `import json, sys, yaml, datetime, math
def norm(v):
    if isinstance(v, (datetime.date, datetime.datetime)): return v.isoformat()
    if isinstance(v, float) and math.isnan(v): return 'NaN'
    if isinstance(v, float) and math.isinf(v): return 'Infinity' if v > 0 else '-Infinity'
    return v
for s in json.load(sys.stdin):
    try:
        v = yaml.safe_load('v: ' + s)['v']
        print(json.dumps({'v': norm(v)}))
    except Exception as e:
        print(json.dumps({'error': type(e).__name__}))`;

const HAND = ['yes', 'Yes', 'YES', 'no', 'No', 'NO', 'y', 'Y', 'n', 'N', 'true', 'True', 'TRUE', 'tRue', 'false', 'on', 'On', 'ON', 'off', 'Off', 'OFF', '0644', '0o17', '0x10', '0b101', '1e3', '1.5e3', '1.0e+3', '.5', '1_000', '+12', '-0', '0', '00', '08', '09', '1:20', '190:20:30', '.inf', '-.Inf', '.NaN', '~', 'null', 'Null', 'NULL', '0.', '1.2.3', '10.0.0.1', '0777', '-0644', '+0x1F', '0xG', '1,000', '0.5e-3', '1.5E+3', '12e+3', '-.5', '+.inf', '1__0', '0_7', '0x_1f', '0b_1', '1:2:3.5', '60:00'];

function generated(n: number): string[] {
  let seed = 7;
  const r = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const alphabet = ['0', '1', '7', '8', '9', 'x', 'b', 'o', 'e', 'E', '.', '_', ':', '+', '-', 'a', 'f'];
  return Array.from({ length: n }, () => Array.from({ length: 1 + Math.floor(r() * 5) }, () => alphabet[Math.floor(r() * alphabet.length)]).join(''))
    .filter((s) => !/^[-:]|:$|: /.test(s)); // not YAML structure (a block entry, a mapping)
}

describe('YAML scalars: fleet and PyYAML agree', () => {
  it('hand-picked and generated plain scalars', () => {
    const cases = [...HAND, ...generated(400)];
    const py = execFileSync('/usr/bin/python3', ['-c', PY], { input: JSON.stringify(cases), encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l) as { v?: unknown; error?: string });
    const diffs = cases.flatMap((s, i) => {
      const want = py[i]!;
      if (want.error) return [];
      let got: unknown;
      try {
        got = (parseYaml(`v: ${s}\n`, 'x.yaml', 'test').doc.toJS() as { v: unknown }).v;
      } catch (e) {
        got = `error: ${(e as Error).message}`;
      }
      // JSON cannot carry NaN or the infinities: compare them as text
      const norm = (v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);
      return JSON.stringify(norm(got)) === JSON.stringify(want.v) ? [] : [`${s}: PyYAML ${JSON.stringify(want.v)}, fleet ${JSON.stringify(got)}`];
    });
    expect(diffs).toEqual([]);
    expect(cases.length).toBeGreaterThan(300);
  });
});
