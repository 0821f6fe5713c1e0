// Differential: host patterns in fleet against ansible-core 2.14's own InventoryManager (Debian's
// ansible-core, installed by scripts/test.sh) on the same inventory files: the same hosts, in the
// same order, or an error where Ansible errors. Hand-picked patterns plus seeded generated ones.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/inventory/index.js';
import { selectHosts } from '../../src/inventory/limit.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const ANSIBLE = here('./ansible/patterns.py');

/** ansible-core's answer for each pattern: host names in order, or { error }. */
function ansible(inventory: string, patterns: string[]): (string[] | { error: string })[] {
  const out = execFileSync('/usr/bin/python3', [ANSIBLE], { input: JSON.stringify({ inventory, patterns }), encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });
  return out.trim().split('\n').map((l) => JSON.parse(l) as string[] | { error: string });
}

function fleet(inventory: string, pattern: string): string[] | { error: string } {
  try {
    return selectHosts(loadInventory(inventory), pattern);
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** A small seeded PRNG (mulberry32): the generated cases are the same on every run. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generated(atoms: string[], n: number, seed: number): string[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const subs = ['', '', '', '[0]', '[-1]', '[1:]', '[0:1]', '[1:2]', '[0:0]', '[1-2]', '[:1]'];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = 1 + Math.floor(r() * 3);
    const terms = Array.from({ length: k }, () => `${pick(['', '', '', '!', '&'])}${pick(atoms)}${pick(subs)}`);
    out.push(terms.join(pick([',', ':', ','])));
  }
  return out;
}

const CASES: { file: string; patterns: string[]; atoms: string[] }[] = [
  {
    file: here('./fixtures/patterns.yaml'),
    patterns: ['all', '*', '!web', '&db', 'db,web', 'web,db', 'web[0]', 'web[-1]', 'web[1:]', 'web[0:1]', 'web[1-2]', 'w*', '~eb', '~web', '~w.b[12]', 'web[:1]', 'prod', 'prod[0:2]', 'localhost', 'nosuch', 'web:!db', 'web:&db', '*1', 'web?', 'db[5]', '[wd]*', 'web[0:0]', 'all[-1]', 'p*', 'ungrouped', '!solo,&prod', 'web1,web1,db', 'all:!prod', 'solo'],
    atoms: ['all', 'web', 'db', 'prod', 'ungrouped', 'solo', 'web1', 'p1', 'w*', '*2', '~db', '~.*1', 'web?', '[dp]*', 'nosuch'],
  },
  {
    file: here('./fixtures/patterns.ini'),
    patterns: ['all', 'frontend', 'api', 'app[0]', 'app[-1]', 'lb[1:2]', 'prod:!db', 'prod:&api', '!frontend', 'lb*,app0*', '~pg-', '~.*replica', '10.0.0.9', 'edge1.example.net', '*.example.net', 'app0[1-3]', 'app[01:02]', 'db,frontend[0]'],
    atoms: ['all', 'prod', 'frontend', 'api', 'app', 'lb', 'db', 'lb2', 'app01', 'pg-*', '~app', '~.*[23]', 'edge*', '10.0.0.9', 'ungrouped'],
  },
];

describe('host patterns: fleet and ansible-core agree', () => {
  for (const c of CASES) {
    const patterns = [...c.patterns, ...generated(c.atoms, 80, 17 + c.patterns.length)];
    it(`${c.file.split('/').pop()}: ${patterns.length} patterns`, () => {
      const want = ansible(c.file, patterns);
      const diffs = patterns.flatMap((p, i) => {
        const got = fleet(c.file, p);
        const w = want[i]!;
        const same = Array.isArray(w) ? JSON.stringify(got) === JSON.stringify(w) : !Array.isArray(got);
        return same ? [] : [`${p}: ansible ${JSON.stringify(w)}, fleet ${JSON.stringify(got)}`];
      });
      expect(diffs).toEqual([]);
    });
  }
});
