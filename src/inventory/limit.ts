// Host patterns (--limit, a play's hosts:) as ansible-core 2.14 reads them (inventory/manager.py):
// host and group names, globs (web*, db-?), ~regex anchored at the start, all or *, subscripts
// (web[0], web[1:3], web[-1]), !exclude and &intersect, separated by commas (or colons). Plain
// terms are united, then intersected, then excluded; a pattern of only ! or & terms starts from
// all. Pure; the result is in the order the terms produced it, as Ansible's (differential test:
// test/inventory/patterns.it.test.ts).
import { invalid } from '../errors.js';
import type { Inventory } from './model.js';

export interface Selection {
  hosts: string[];
  /** terms that matched no host, as written (with any ! or &), for a "did you mean" warning */
  unmatched: string[];
}

export function select(inv: Inventory, pattern: string): Selection {
  const unmatched: string[] = [];
  const hosts: string[] = [];
  // Ansible's order: plain terms, then &intersections, then !exclusions; only ! or & terms start
  // from all. The result keeps the order the terms produced their hosts (a canary listed first
  // is first in the rollout), without duplicates.
  const terms = splitPattern(pattern);
  const plain = terms.filter((t) => t[0] !== '!' && t[0] !== '&');
  const ordered = [...(plain.length ? plain : ['all']), ...terms.filter((t) => t[0] === '&'), ...terms.filter((t) => t[0] === '!')];
  for (const t of ordered) {
    const op = t[0] === '!' || t[0] === '&' ? t[0] : '';
    const that = inv.hosts.has(t) ? [t] : matchOne(inv, op ? t.slice(1) : t);
    if (that.length === 0 && t !== 'all') unmatched.push(t);
    if (op === '!') {
      const out = new Set(that);
      hosts.splice(0, hosts.length, ...hosts.filter((h) => !out.has(h)));
    } else if (op === '&') {
      const keep = new Set(that);
      hosts.splice(0, hosts.length, ...hosts.filter((h) => keep.has(h)));
    } else {
      const have = new Set(hosts);
      for (const h of that) if (!have.has(h)) (have.add(h), hosts.push(h));
    }
  }
  return { hosts, unmatched };
}

export function selectHosts(inv: Inventory, pattern: string): string[] {
  return select(inv, pattern).hosts;
}

/** As Ansible's split_host_pattern: commas separate terms; without a comma, a pattern that is one
 *  address (a host name, IPv4 or IPv6, with ranges, maybe a :port) is one term, else colons (and
 *  white space) separate terms. */
export function splitPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (isAddress(pattern)) parts = [pattern];
  else parts = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
  return parts.map((t) => t.trim()).filter(Boolean);
}

// ansible/parsing/utils/addresses.py, for the one question split_host_pattern asks
const RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const LABEL = String.raw`(?:[\p{L}\p{N}_]|${RANGE})(?:[\p{L}\p{N}_-]|${RANGE})*(?<![_-])`;
const HOSTNAME = new RegExp(String.raw`^${LABEL}(?:\.${LABEL})*$`, 'iu');
const OCTET = String.raw`(?:[0-9]{1,3}|\[[0-9]+:[0-9]+(?::[0-9]+)?\])`;
const IPV4 = new RegExp(String.raw`^${OCTET}\.${OCTET}\.${OCTET}\.${OCTET}$`);
const IPV6 = /^(?=.*:.*:)[0-9a-f:.[\]]+$/i;

function isAddress(pattern: string): boolean {
  const p = pattern.trim();
  const host = /^\[(.+)\]:(\d+)$/.exec(p)?.[1] ?? /^((?:[^:[\]]|\[[^\]]*\])*):(\d+)$/.exec(p)?.[1] ?? p;
  return IPV4.test(host) || IPV6.test(host) || HOSTNAME.test(host);
}

// web[0], web[-1], web[1:3], web[1:] (and the old web[1-3]); web[:3] is no subscript (a glob)
const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/;

/** One term without its operator: the hosts it names, subscript applied. */
function matchOne(inv: Inventory, term: string): string[] {
  if (term.startsWith('~')) return enumerate(inv, term);
  const m = SUBSCRIPT.exec(term);
  if (!m) return enumerate(inv, term);
  const hosts = enumerate(inv, m[1]!);
  // as Ansible's _apply_subscript: nothing to pick from is no error; [i] out of range is
  const one = (i: number) => {
    const h = hosts[i < 0 ? hosts.length + i : i];
    if (h === undefined) throw invalid(`no hosts matched the subscripted pattern '${term}' (${m[1]} has ${hosts.length} host${hosts.length === 1 ? '' : 's'})`);
    return [h];
  };
  if (!hosts.length) return hosts;
  if (m[2] !== undefined) return one(Number(m[2]));
  const start = Number(m[3]);
  // an empty end runs to the last host; an end of 0 means the start host alone
  if (m[5] === '') return hosts.slice(start);
  const end = Number(m[5]);
  return end === 0 ? one(start) : hosts.slice(start, end + 1);
}

/** Hosts of every group the term matches, then (when no group did, or the term is a glob or a
 *  regex) hosts whose name matches. Names match as shell globs in full; `~regex` matches from
 *  the start of the name (Python's re.match). */
function enumerate(inv: Inventory, term: string): string[] {
  const re = term.startsWith('~') ? compile(`^(?:${term.slice(1)})`, term) : compile(globToRegExpSource(term), term);
  const out: string[] = [];
  const groups = [...inv.groups.keys()].filter((g) => re.test(g));
  for (const g of groups) out.push(...groupHosts(inv, g));
  if (!groups.length || term.startsWith('~') || /[.?*[]/.test(term)) for (const [name, h] of inv.hosts) if (!h.implicit && re.test(name)) out.push(name);
  if (!out.length && LOCALHOST.includes(term)) return [implicitLocalhost(inv, term)];
  // not deduplicated, as Ansible's: a subscript counts a host a group and a glob both matched twice
  return out;
}

const LOCALHOST = ['localhost', '127.0.0.1', '::1'];

/** As Ansible: a pattern naming localhost when the inventory has none gets a local connection
 *  with the all group's variables, outside every group (so not in all). */
function implicitLocalhost(inv: Inventory, name: string): string {
  if (!inv.hosts.has(name)) inv.hosts.set(name, { name, vars: { ...(inv.groups.get('all')?.vars ?? {}), ansible_connection: 'local', inventory_hostname: name }, groups: [], implicit: true });
  return name;
}

/** A group's hosts as Ansible lists them: its own, then its children's, level by level (Ansible
 *  orders groups below the children's level by a set's order: fleet keeps the written order). */
function groupHosts(inv: Inventory, group: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const level = [group];
  const visited = new Set(level);
  while (level.length) {
    const next: string[] = [];
    for (const g of level) {
      const grp = inv.groups.get(g);
      if (!grp) continue;
      for (const h of grp.hosts) if (!seen.has(h) && inv.hosts.has(h)) (seen.add(h), out.push(h));
      for (const c of grp.children) if (!visited.has(c)) (visited.add(c), next.push(c));
    }
    level.splice(0, level.length, ...next);
  }
  return out;
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
