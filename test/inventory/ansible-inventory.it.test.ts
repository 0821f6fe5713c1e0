// Differential: fleet's resolved inventory against ansible-core 2.14's (Debian's ansible-core,
// installed by scripts/test.sh; InventoryManager + VariableManager as ansible-inventory --list
// uses them) on a corpus of real inventory files from public repositories (corpus/SOURCES.md):
// the same hosts, the same groups with the same own hosts and children, each host's variables,
// or an error where Ansible cannot parse the file. A difference fails unless DELIBERATE lists it
// (the README's "Where fleet differs from Ansible" table says the same).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/inventory/index.js';
import { withPlaybookDir } from '../../src/inventory/resolve.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const CORPUS = here('./corpus');
const ANSIBLE = here('./ansible/inventory.py');

type Groups = Record<string, { hosts: string[]; children: string[] }>;
type Answer = { hosts: Record<string, Record<string, unknown>>; groups: Groups } | { error: string };

/** A value Python has and JSON has not, as inventory.py writes it. */
type PyValue = { __python__: string; repr: string };
const isPy = (v: unknown): v is PyValue => typeof v === 'object' && v !== null && '__python__' in v;

/** Differences fleet makes on purpose: [what, does this one (ansible's value, fleet's) count as it]. */
const DELIBERATE: [string, (want: unknown, got: unknown) => boolean][] = [
  // ansible-inventory itself cannot print these (it fails "Object of type complex is not JSON serializable")
  ['an INI value holding a Python-only value (a complex number, Ellipsis, bytes in a list) stays the text written', (w, g) => containsPy(w) && typeof g === 'string'],
  ['an INI set literal is a list (JSON has no sets)', (w, g) => isPy(w) && w.__python__ === 'set' && Array.isArray(g)],
];

/** Files fleet refuses on purpose where Ansible parses them: [why, fleet's error]. */
const DELIBERATE_ERRORS: [string, RegExp][] = [
  // found when loading, with the host's location, rather than when the host is first connected to
  ['a connection variable fleet cannot use (a port that is not a number, an unknown connection type) is an error', /: host '[^']+': ansible_(port|connection) is /],
];

const containsPy = (v: unknown): boolean => isPy(v) || (Array.isArray(v) ? v.some(containsPy) : typeof v === 'object' && v !== null && Object.values(v).some(containsPy));

function files(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.startsWith('SOURCES.') ? [] : [join(dir, n)]));
}

function ansible(sources: (string | string[] | { sources: string[]; playbook_dir: string })[]): Answer[] {
  const out = execFileSync('/usr/bin/python3', [ANSIBLE], { input: JSON.stringify(sources), encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'], cwd: CORPUS, maxBuffer: 64 << 20 });
  return out.trim().split('\n').map((l) => JSON.parse(l) as Answer);
}

function fleet(source: string | string[], playbookDir?: string): Answer {
  try {
    const loaded = loadInventory(source);
    const inv = playbookDir ? withPlaybookDir(loaded, playbookDir) : loaded;
    const hosts: Record<string, Record<string, unknown>> = {};
    for (const [name, h] of inv.hosts) {
      const { inventory_hostname: _n, group_names: _g, ...vars } = h.vars;
      hosts[name] = JSON.parse(JSON.stringify(vars)) as Record<string, unknown>;
    }
    const groups: Groups = {};
    for (const g of inv.groups.values()) groups[g.name] = { hosts: [...g.hosts], children: [...g.children] };
    return { hosts, groups };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Ansible always has 'ungrouped'; an empty one says nothing. Members and children as sets. */
function normalGroups(g: Groups): Groups {
  const out: Groups = {};
  for (const [name, v] of Object.entries(g)) {
    if (name === 'ungrouped' && !v.hosts.length && !v.children.length) continue;
    out[name] = { hosts: [...v.hosts].sort(), children: [...v.children].filter((c) => c !== 'ungrouped' || (g.ungrouped?.hosts.length ?? 0) > 0).sort() };
  }
  return out;
}

function compareVars(file: string, host: string, want: Record<string, unknown>, got: Record<string, unknown>): string[] {
  const diffs: string[] = [];
  for (const k of new Set([...Object.keys(want), ...Object.keys(got)])) {
    const [w, g] = [want[k], got[k]];
    if (JSON.stringify(w) === JSON.stringify(g)) continue;
    if (DELIBERATE.some(([, ok]) => ok(w, g))) continue;
    diffs.push(`${file}: host ${host} var ${k}: ansible ${JSON.stringify(w)}, fleet ${JSON.stringify(g)}`);
  }
  return diffs;
}

function compare(file: string, want: Answer, got: Answer): string[] {
  if ('error' in want || 'error' in got) {
    if ('error' in want && 'error' in got) return [];
    if ('error' in got && DELIBERATE_ERRORS.some(([, re]) => re.test(got.error))) return [];
    return [`${file}: ansible ${'error' in want ? `error: ${want.error}` : 'parses it'}, fleet ${'error' in got ? `error: ${got.error}` : 'parses it'}`];
  }
  const diffs: string[] = [];
  const [wh, gh] = [Object.keys(want.hosts), Object.keys(got.hosts)];
  if (JSON.stringify([...wh].sort()) !== JSON.stringify([...gh].sort())) diffs.push(`${file}: hosts: ansible ${JSON.stringify(wh)}, fleet ${JSON.stringify(gh)}`);
  const [wg, gg] = [normalGroups(want.groups), normalGroups(got.groups)];
  for (const name of new Set([...Object.keys(wg), ...Object.keys(gg)])) {
    if (JSON.stringify(wg[name]) !== JSON.stringify(gg[name])) diffs.push(`${file}: group ${name}: ansible ${JSON.stringify(wg[name])}, fleet ${JSON.stringify(gg[name])}`);
  }
  for (const h of wh) if (got.hosts[h]) diffs.push(...compareVars(file, h, want.hosts[h]!, got.hosts[h]!));
  return diffs;
}

describe('inventories: fleet and ansible-inventory --list agree', () => {
  const corpus = files(CORPUS);
  let cached: Answer[] | undefined;
  const answers = () => (cached ??= ansible(corpus));

  it(`${corpus.length} real inventory files: hosts, group tree, each host's variables`, () => {
    const want = answers();
    expect(want).toHaveLength(corpus.length);
    const diffs = corpus.flatMap((f, i) => compare(relative(CORPUS, f), want[i]!, fleet(f)));
    expect(diffs).toEqual([]);
    expect(corpus.length).toBeGreaterThanOrEqual(30);
  }, 60_000);

  it('Ansible parses most of the corpus (the comparison is not only of errors)', () => {
    const want = answers();
    expect(want.filter((a) => !('error' in a)).length).toBeGreaterThan(corpus.length * 0.8);
  }, 60_000);
});

// the rules real files rarely show all at once, on small trees: group_vars/ and host_vars/
// (files, directories of files, precedence), inventory directories, several -i, priorities
const TREES: { name: string; files: Record<string, string>; sources: string[]; playbookDir?: string }[] = [
  {
    name: 'group_vars and host_vars next to an INI file',
    sources: ['hosts'],
    files: {
      hosts: '[web]\nw1 own=line\nw2\n[db]\nd1\n[prod:children]\nweb\ndb\n[web:vars]\nlevel=inv-web\nport=8080\n[all:vars]\nlevel=inv-all\n',
      'group_vars/all.yml': 'level: gv-all\nflag: yes\noctal: 0644\n',
      'group_vars/prod/a.yml': 'level: gv-prod\nsplit: a\n',
      'group_vars/prod/b.yaml': 'split: b\n',
      'group_vars/prod/notes.txt': 'split: ignored\n',
      'group_vars/web': 'web_file: plain\n',
      'group_vars/web.yml': 'web_file: shadowed\n',
      'host_vars/w1.json': '{"own": "host_vars", "n": 1e3}\n',
      'host_vars/d1/main.yml': 'own: d1\n',
      'host_vars/d1/empty.yml': '',
    },
  },
  {
    name: 'an inventory directory with group_vars, several formats and ignored files',
    sources: ['inv'],
    files: {
      'inv/01-static.yml': 'all:\n  children:\n    web:\n      hosts:\n        w1:\n        w2:\n      vars:\n        ansible_group_priority: 5\n        who: web\n    app:\n      hosts:\n        w1:\n      vars:\n        who: app\n',
      'inv/02-more': '[db]\nd1 ansible_port=2222 enabled=yes list=[1,2]\n[web]\nw3\n',
      'inv/03-ignored.ini': '[db]\nnever\n',
      'inv/README.md': '# not an inventory\n',
      'inv/sub/extra.yaml': 'db:\n  hosts:\n    d2:\n',
      'inv/group_vars/db.yml': 'who: db-gv\n',
    },
  },
  {
    name: "group_vars and host_vars next to the playbook, over the inventory's",
    sources: ['inv/hosts.yml'],
    playbookDir: 'play',
    files: {
      'inv/hosts.yml': 'all:\n  vars: { a: inv }\n  children:\n    web:\n      vars: { g: inv, deep: inv }\n      hosts: { w1: { h: inv } }\n      children:\n        canary:\n          hosts: { w1: }\n',
      'inv/group_vars/all.yml': 'a: inv-gv\nall_only: inv-gv\n',
      'inv/group_vars/web.yml': 'g: inv-gv\n',
      'inv/host_vars/w1.yml': 'h: inv-hv\n',
      'play/group_vars/all.yml': 'all_only: play-gv\n',
      'play/group_vars/web.yml': 'g: play-gv\ndeep: play-gv-web\n',
      'play/group_vars/canary.yml': 'deep: play-gv-canary\n',
      'play/host_vars/w1.yml': 'h: play-hv\n',
    },
  },
  {
    name: 'two -i sources merged in order',
    sources: ['a/one.yaml', 'b/two.ini'],
    files: {
      'a/one.yaml': 'all:\n  vars: { v: one }\n  children:\n    g:\n      hosts: { h1: { x: 1 } }\n',
      'b/two.ini': '[all:vars]\nv=two\n[g]\nh1 x=2\n[other:children]\ng\n',
      'a/group_vars/g.yml': 'from_a: yes\nboth: a\n',
      'b/group_vars/g.yml': 'both: b\n',
    },
  },
  {
    name: 'a host named like a group, IPv6 with a port, hosts: as a string',
    sources: ['i.ini', 'y.yml'],
    files: {
      'i.ini': '[g2]\n[2001:db8::2]:2222\nweb\n[web]\nw1\n',
      'y.yml': 'all:\n  children:\n    s:\n      hosts: single\n    empty:\n',
    },
  },
];

describe('inventory rules on small trees: fleet and ansible-core agree', () => {
  const root = mkdtempSync(join(tmpdir(), 'fleet-ansible-inv-'));
  const cases = TREES.map((t, i) => {
    for (const [p, text] of Object.entries(t.files)) {
      mkdirSync(dirname(join(root, String(i), p)), { recursive: true });
      writeFileSync(join(root, String(i), p), text);
    }
    return { name: t.name, sources: t.sources.map((s) => join(root, String(i), s)), playbookDir: t.playbookDir && join(root, String(i), t.playbookDir) };
  });
  let cached: Answer[] | undefined;
  const answers = () => (cached ??= ansible(cases.map((c) => (c.playbookDir ? { sources: c.sources, playbook_dir: c.playbookDir } : c.sources))));
  for (const [i, c] of cases.entries()) {
    it(c.name, () => {
      const want = answers()[i]!;
      expect('error' in want ? want.error : '').toBe('');
      expect(compare(c.name, want, fleet(c.sources, c.playbookDir))).toEqual([]);
      // the playbook's files did count (the comparison is not of two sides that both skipped them)
      if (c.playbookDir && !('error' in want)) expect(want.hosts.w1).toMatchObject({ h: 'play-hv', g: 'play-gv', deep: 'play-gv-canary', all_only: 'play-gv' });
    }, 60_000);
  }
});
