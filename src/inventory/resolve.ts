// Groups and variables -> resolved hosts. Precedence, lowest first: all, then groups by depth
// (parents before children), within one depth by ansible_group_priority then name; then the host's
// own vars; then extra vars (-e).
import { invalid } from '../errors.js';
import type { SourceLoc, Vars } from '../types.js';
import { assignVars } from './build.js';
import type { Inventory, InventoryGroup, InventoryHost, RawInventory } from './model.js';
import { edgeKey, newGroup } from './model.js';
import { toConnectionSpec } from './connection.js';

export function resolveInventory(raw: RawInventory, file: string | undefined, extraVars: Vars = {}): Inventory {
  const groups = raw.groups;
  if (!groups.has('all')) groups.set('all', newGroup('all'));
  const all = groups.get('all')!;
  const where = file ?? 'the inventory';
  for (const h of raw.order) {
    if (groups.has(h)) throw invalid(`'${h}' is both a host and a group in ${where}; rename one of them`, raw.hostLocs.get(h) ?? raw.groupLocs.get(h));
  }
  detectCycles(raw, where);
  // a group nobody lists as a child hangs under all
  const isChild = new Set([...groups.values()].flatMap((g) => g.children));
  for (const g of groups.values()) if (g.name !== 'all' && !isChild.has(g.name) && !all.children.includes(g.name)) all.children.push(g.name);

  const parents = new Map<string, string[]>([...groups.keys()].map((n) => [n, []]));
  for (const g of groups.values()) for (const c of g.children) parents.get(c)!.push(g.name);
  const depth = new Map<string, number>();
  const depthOf = (name: string): number => {
    let d = depth.get(name);
    if (d === undefined) depth.set(name, (d = name === 'all' ? 0 : Math.max(0, ...parents.get(name)!.map((p) => depthOf(p) + 1))));
    return d;
  };
  const ancestorsMemo = new Map<string, string[]>();
  const ancestors = (name: string): string[] => {
    let out = ancestorsMemo.get(name);
    if (!out) ancestorsMemo.set(name, (out = [...new Set([name, ...parents.get(name)!.flatMap(ancestors)])]));
    return out;
  };
  const priority = new Map([...groups.values()].map((g) => [g.name, priorityOf(g, raw.groupLocs.get(g.name))]));

  const member = new Map<string, Set<string>>(raw.order.map((h) => [h, new Set(['all'])]));
  for (const g of groups.values()) for (const h of g.hosts) for (const a of ancestors(g.name)) member.get(h)?.add(a);
  // as in Ansible, a host in no group but all is in 'ungrouped', and only such a host
  for (const [h, set] of member) {
    if (set.has('ungrouped') && set.size > 2) {
      set.delete('ungrouped');
      const u = groups.get('ungrouped')!;
      u.hosts = u.hosts.filter((x) => x !== h);
    }
    if (set.size > 1) continue;
    let ungrouped = groups.get('ungrouped');
    if (!ungrouped) groups.set('ungrouped', (ungrouped = newGroup('ungrouped')));
    if (!all.children.includes('ungrouped')) all.children.push('ungrouped');
    if (!ungrouped.hosts.includes(h)) ungrouped.hosts.push(h);
    set.add('ungrouped');
  }
  if (!depth.has('ungrouped')) depth.set('ungrouped', 1);

  const hosts = new Map<string, InventoryHost>();
  for (const name of raw.order) {
    const names = [...member.get(name)!];
    const ordered = names.sort((a, b) => (depth.get(a) ?? depthOf(a)) - (depth.get(b) ?? depthOf(b)) || (priority.get(a) ?? 1) - (priority.get(b) ?? 1) || (a < b ? -1 : a > b ? 1 : 0));
    const vars: Vars = {};
    for (const g of ordered) assignVars(vars, groups.get(g)!.vars);
    assignVars(vars, raw.hostVars.get(name) ?? {});
    assignVars(vars, extraVars);
    const groupNames = names.filter((g) => g !== 'all').sort();
    vars.inventory_hostname = name;
    vars.group_names = groupNames;
    hosts.set(name, { name, vars, groups: groupNames });
    checkConnection(vars, raw.hostLocs.get(name));
  }
  return { file, hosts, groups };
}

function priorityOf(g: InventoryGroup, loc: SourceLoc | undefined): number {
  const p = g.vars.ansible_group_priority;
  if (p === undefined) return 1;
  const n = typeof p === 'string' && p.trim() !== '' ? Number(p) : p;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw invalid(`ansible_group_priority of group '${g.name}' must be a whole number, got ${JSON.stringify(p)}`, loc);
  return n;
}

function detectCycles(raw: RawInventory, where: string): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name].join(' -> ');
      const loc = raw.edgeLocs.get(edgeKey(path[path.length - 1]!, name));
      throw invalid(`group children form a cycle in ${where}: ${cycle}; remove one of these children`, loc);
    }
    state.set(name, 'visiting');
    for (const c of raw.groups.get(name)?.children ?? []) visit(c, [...path, name]);
    state.set(name, 'done');
  };
  for (const g of raw.groups.keys()) visit(g, []);
}

/** A bad port or connection type is an input error, found at load time with the host's location;
 *  values still to be rendered ({{ }}) are checked when the host connects. */
function checkConnection(vars: Vars, loc: SourceLoc | undefined): void {
  try {
    toConnectionSpec(vars);
  } catch (e) {
    if (!JSON.stringify(vars).includes('{{')) throw invalid((e as Error).message, loc);
  }
}
