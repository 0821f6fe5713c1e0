// Host patterns as Ansible reads them: names, groups, globs, ~regex, all/*, !exclude, &intersect,
// separated by commas or colons. Plain terms are united, then intersected, then excluded.
import type { Inventory } from './model.js';

export interface Selection {
  hosts: string[];
  /** terms that matched no host (for a "did you mean" warning) */
  unmatched: string[];
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.').replace(/\[!/g, '[^');
  return new RegExp(`^${body}$`);
}

function matchTerm(inv: Inventory, term: string): string[] {
  if (term === 'all' || term === '*') return [...inv.hosts.keys()];
  const group = inv.groups.get(term);
  if (group) return [...inv.hosts.values()].filter((h) => term === 'all' || h.groups.includes(term)).map((h) => h.name);
  if (inv.hosts.has(term)) return [term];
  let re: RegExp;
  if (term.startsWith('~')) re = new RegExp(term.slice(1));
  else if (/[*?[]/.test(term)) re = globToRegExp(term);
  else return [];
  const out = new Set<string>();
  for (const h of inv.hosts.values()) if (re.test(h.name)) out.add(h.name);
  for (const g of inv.groups.keys()) if (re.test(g)) for (const h of matchTerm(inv, g)) out.add(h);
  return [...out];
}

/** Split on commas, and on colons that are not part of an IPv6 address or a ~regex. */
function terms(pattern: string): string[] {
  const parts = pattern.includes(',') ? pattern.split(',') : pattern.includes('~') || (pattern.match(/:/g)?.length ?? 0) > 1 && /^[0-9a-f:]+$/i.test(pattern) ? [pattern] : pattern.split(':');
  return parts.map((t) => t.trim()).filter(Boolean);
}

export function select(inv: Inventory, pattern: string): Selection {
  const plain = new Set<string>();
  const unmatched: string[] = [];
  let intersect: Set<string> | undefined;
  const exclude = new Set<string>();
  for (const t of terms(pattern)) {
    const op = t[0] === '!' || t[0] === '&' ? t[0] : '';
    const hosts = matchTerm(inv, op ? t.slice(1) : t);
    if (hosts.length === 0) unmatched.push(t);
    if (op === '!') hosts.forEach((h) => exclude.add(h));
    else if (op === '&') intersect = new Set(hosts.filter((h) => !intersect || intersect.has(h)));
    else hosts.forEach((h) => plain.add(h));
  }
  const hosts = [...inv.hosts.keys()].filter((h) => plain.has(h) && (!intersect || intersect.has(h)) && !exclude.has(h));
  return { hosts, unmatched };
}

export function selectHosts(inv: Inventory, pattern: string): string[] {
  return select(inv, pattern).hosts;
}
