// Groups and variables -> resolved hosts. Precedence: all < parent group < child group < host < extra.
import { invalid } from '../errors.js';
import type { Vars } from '../types.js';
import type { Inventory, InventoryGroup, RawInventory } from './model.js';
import { newGroup } from './model.js';

export function resolveInventory(raw: RawInventory, file: string | undefined, extraVars: Vars = {}): Inventory {
  const groups = raw.groups;
  if (!groups.has('all')) groups.set('all', newGroup('all'));
  const all = groups.get('all')!;
  for (const g of groups.values()) {
    for (const c of g.children) if (!groups.has(c)) groups.set(c, newGroup(c));
  }
  // every group is a child of all; hosts in no group but all are 'ungrouped'
  const isChild = new Set([...groups.values()].flatMap((g) => g.children));
  for (const g of groups.values()) if (g.name !== 'all' && !isChild.has(g.name) && !all.children.includes(g.name)) all.children.push(g.name);
  for (const h of raw.order) {
    if (groups.has(h)) throw invalid(`'${h}' is both a host and a group in ${file ?? 'the inventory'}; rename one of them`);
  }
  detectCycles(groups, file);
  const depth = new Map<string, number>();
  const depthOf = (name: string, seen: string[] = []): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const parents = [...groups.values()].filter((g) => g.children.includes(name)).map((g) => g.name);
    const d = name === 'all' ? 0 : Math.max(0, ...parents.map((p) => depthOf(p, [...seen, name]) + 1));
    depth.set(name, d);
    return d;
  };
  const hostGroups = new Map<string, Set<string>>();
  const add = (host: string, group: InventoryGroup, via: Set<string>) => {
    if (via.has(group.name)) return;
    via.add(group.name);
    let set = hostGroups.get(host);
    if (!set) hostGroups.set(host, (set = new Set()));
    set.add(group.name);
  };
  // a host belongs to its groups and all their ancestors
  const ancestors = (g: string): string[] => {
    const out = new Set<string>([g]);
    const stack = [g];
    while (stack.length) {
      const cur = stack.pop()!;
      for (const p of groups.values()) if (p.children.includes(cur) && !out.has(p.name)) {
        out.add(p.name);
        stack.push(p.name);
      }
    }
    return [...out];
  };
  for (const g of groups.values()) for (const h of g.hosts) for (const a of ancestors(g.name)) add(h, groups.get(a)!, new Set());
  const hosts = new Map<string, Inventory['hosts'] extends Map<string, infer H> ? H : never>();
  for (const name of raw.order) {
    const member = [...(hostGroups.get(name) ?? new Set(['all']))];
    if (!member.includes('all')) member.push('all');
    const sorted = member
      .map((g) => groups.get(g)!)
      .sort((a, b) => depthOf(a.name) - depthOf(b.name) || prio(a) - prio(b) || a.name.localeCompare(b.name));
    const vars: Vars = {};
    for (const g of sorted) Object.assign(vars, g.vars);
    Object.assign(vars, raw.hostVars.get(name) ?? {}, extraVars);
    const groupNames = member.filter((g) => g !== 'all').sort();
    vars.inventory_hostname = name;
    vars.group_names = groupNames;
    hosts.set(name, { name, vars, groups: groupNames });
  }
  return { file, hosts, groups };
}

const prio = (g: InventoryGroup) => Number(g.vars.ansible_group_priority ?? 1);

function detectCycles(groups: Map<string, InventoryGroup>, file: string | undefined): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name].join(' -> ');
      throw invalid(`group children form a cycle in ${file ?? 'the inventory'}: ${cycle}`);
    }
    state.set(name, 'visiting');
    for (const c of groups.get(name)?.children ?? []) visit(c, [...path, name]);
    state.set(name, 'done');
  };
  for (const g of groups.keys()) visit(g, []);
}
