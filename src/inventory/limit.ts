// Host patterns (--limit, a play's hosts:) as Ansible reads them: host and group names, globs
// (web*, db-?), ~regex, all or *, subscripts (web[0], web[1:3], web[-1]), !exclude and &intersect,
// separated by commas (or colons). Plain terms are united, then intersected, then excluded.
// Pure; results keep inventory order.
import { invalid } from '../errors.js';
import type { Inventory } from './model.js';

export interface Selection {
  hosts: string[];
  /** terms that matched no host, as written (with any ! or &), for a "did you mean" warning */
  unmatched: string[];
}

export function select(inv: Inventory, pattern: string): Selection {
  const plain = new Set<string>();
  const unmatched: string[] = [];
  let intersect: Set<string> | undefined;
  const exclude = new Set<string>();
  for (const t of splitPattern(pattern)) {
    const op = t[0] === '!' || t[0] === '&' ? t[0] : '';
    const hosts = matchTerm(inv, op ? t.slice(1) : t);
    if (hosts.length === 0) unmatched.push(t);
    if (op === '!') for (const h of hosts) exclude.add(h);
    else if (op === '&') intersect = new Set(hosts.filter((h) => !intersect || intersect.has(h)));
    else for (const h of hosts) plain.add(h);
  }
  const hosts = [...inv.hosts.keys()].filter((h) => plain.has(h) && (!intersect || intersect.has(h)) && !exclude.has(h));
  return { hosts, unmatched };
}

export function selectHosts(inv: Inventory, pattern: string): string[] {
  return select(inv, pattern).hosts;
}

/** Commas separate terms; without a comma, colons do, unless the pattern is an IPv6 address or a ~regex. */
export function splitPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (/^[!&]?~/.test(pattern.trim()) || /^[!&]?[0-9a-f]*:[0-9a-f]*:[0-9a-f:.]*$/i.test(pattern.trim())) parts = [pattern];
  else parts = pattern.match(/(?:[^:[\]]|\[[^\]]*\])+/g) ?? [];
  return parts.map((t) => t.trim()).filter(Boolean);
}

function matchTerm(inv: Inventory, term: string): string[] {
  if (term === 'all' || term === '*') return [...inv.hosts.keys()];
  if (inv.hosts.has(term)) return [term];
  if (inv.groups.has(term)) return members(inv, term);
  if (term.startsWith('~')) return byRegExp(inv, compile(term.slice(1), term));
  const sub = /^(.+)\[(-?\d*)(?:(:)(-?\d*))?\]$/.exec(term);
  if (sub && (sub[2] !== '' || sub[3])) {
    const base = matchTerm(inv, sub[1]!);
    // db[12] is a subscript of db when db exists, else a glob matching db1 and db2
    if (base.length > 0) return subscript(base, sub[2]!, sub[3] ? (sub[4] ?? '') : undefined);
  }
  if (/[*?[]/.test(term)) return byRegExp(inv, compile(globToRegExpSource(term), term));
  return [];
}

const members = (inv: Inventory, group: string): string[] =>
  [...inv.hosts.values()].filter((h) => group === 'all' || h.groups.includes(group)).map((h) => h.name);

/** Hosts whose name matches, and members of groups whose name matches. */
function byRegExp(inv: Inventory, re: RegExp): string[] {
  const out = new Set<string>();
  for (const h of inv.hosts.keys()) if (re.test(h)) out.add(h);
  for (const g of inv.groups.keys()) if (re.test(g)) for (const h of members(inv, g)) out.add(h);
  return [...inv.hosts.keys()].filter((h) => out.has(h));
}

/** Ansible subscripts: [i] one host (negative from the end), [a:b] inclusive, [a:] and [:b] open. */
function subscript(hosts: string[], a: string, b: string | undefined): string[] {
  const idx = (s: string) => {
    const n = Number(s);
    return n < 0 ? hosts.length + n : n;
  };
  if (b === undefined) {
    const h = hosts[idx(a)];
    return h === undefined ? [] : [h];
  }
  return hosts.slice(a === '' ? 0 : idx(a), b === '' ? undefined : idx(b) + 1);
}

function compile(source: string, term: string): RegExp {
  try {
    return new RegExp(source);
  } catch (e) {
    throw invalid(`bad host pattern '${term}': ${(e as Error).message}`);
  }
}

function globToRegExpSource(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      body = (body.startsWith('!') ? `^${body.slice(1)}` : body).replace(/\\/g, '\\\\');
      out += `[${body}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return `^${out}$`;
}
