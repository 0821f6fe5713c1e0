// Groups and variables -> resolved hosts, in Ansible's precedence (VariableManager.get_vars),
// lowest first:
//   all's inventory vars < group_vars/all next to the inventory < next to the playbook
//   < every other group's inventory vars < their group_vars/ next to the inventory < next to the playbook
//   < the host's inventory vars < host_vars/ next to the inventory < next to the playbook < extra vars (-e)
// Groups go by depth (parents before children), then ansible_group_priority, then name.
import { invalid } from '../errors.js';
import type { SourceLoc, Vars } from '../types.js';
import { assignVars } from './build.js';
import type { Inventory, InventoryHost, RawInventory } from './model.js';
import { edgeKey, newGroup } from './model.js';
import { toConnectionSpec } from './connection.js';
import { VarsDirs } from './vars-dirs.js';

export interface ResolveOptions {
  /** all sources, the first is `file` */
  sources?: string[];
  /** directories whose group_vars/ and host_vars/ belong to the inventory (its sources' directories) */
  varsDirs?: string[];
  /** the playbook's directory, for its group_vars/ and host_vars/ */
  playbookDirs?: string[];
}

export function resolveInventory(raw: RawInventory, file: string | undefined, extraVars: Vars = {}, opts: ResolveOptions = {}): Inventory {
  const groups = raw.groups;
  if (!groups.has('all')) groups.set('all', newGroup('all'));
  const all = groups.get('all')!;
  const where = file ?? 'the inventory';
  const warnings = [...raw.warnings];
  for (const h of raw.order) if (groups.has(h)) warnings.push(`found both a group and a host named '${h}' in ${where}`);
  detectCycles(raw, where);
  // a group nobody lists as a child hangs under all
  const isChild = new Set([...groups.values()].flatMap((g) => g.children));
  for (const g of groups.values()) if (g.name !== 'all' && !isChild.has(g.name) && !all.children.includes(g.name)) all.children.push(g.name);
  // as Ansible: 'ungrouped' always exists and is all's first child
  if (!groups.has('ungrouped')) groups.set('ungrouped', newGroup('ungrouped'));
  all.children = ['ungrouped', ...all.children.filter((c) => c !== 'ungrouped')];

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
  const priority = new Map([...raw.priorities].map(([g, p]) => [g, priorityOf(g, p.value, p.loc ?? raw.groupLocs.get(g))]));

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

  const varsDirs = (opts.varsDirs ?? []).filter(VarsDirs.any);
  const playDirs = (opts.playbookDirs ?? []).filter(VarsDirs.any);
  const files = new VarsDirs();
  const layer = (vars: Vars, dirs: string[], kind: 'group_vars' | 'host_vars', names: string[]) => {
    for (const d of dirs) for (const n of names) assignVars(vars, files.varsOf(d, kind, n) ?? {});
  };
  const hosts = new Map<string, InventoryHost>();
  for (const name of raw.order) {
    const names = [...member.get(name)!].filter((g) => g !== 'all');
    const ordered = names.sort((a, b) => (depth.get(a) ?? depthOf(a)) - (depth.get(b) ?? depthOf(b)) || (priority.get(a) ?? 1) - (priority.get(b) ?? 1) || (a < b ? -1 : a > b ? 1 : 0));
    const vars: Vars = {};
    assignVars(vars, all.vars);
    layer(vars, varsDirs, 'group_vars', ['all']);
    layer(vars, playDirs, 'group_vars', ['all']);
    for (const g of ordered) assignVars(vars, groups.get(g)!.vars);
    layer(vars, varsDirs, 'group_vars', ordered);
    layer(vars, playDirs, 'group_vars', ordered);
    assignVars(vars, raw.hostVars.get(name) ?? {});
    layer(vars, varsDirs, 'host_vars', [name]);
    layer(vars, playDirs, 'host_vars', [name]);
    assignVars(vars, extraVars);
    const groupNames = [...names].sort();
    vars.inventory_hostname = name;
    vars.group_names = groupNames;
    hosts.set(name, { name, vars, groups: groupNames });
    checkConnection(vars, raw.hostLocs.get(name));
  }
  if (raw.order.length === 0) warnings.push(`${where} has no hosts`);
  return { file, sources: opts.sources ?? (file ? [file] : []), hosts, groups, warnings, origin: { raw, extraVars, varsDirs: opts.varsDirs ?? [] } };
}

/** The same inventory with the group_vars/ and host_vars/ next to a playbook in `dir` added, as
 *  ansible-playbook reads them (above the inventory's own, per level). */
export function withPlaybookDir(inv: Inventory, dir: string): Inventory {
  if (!inv.origin || !VarsDirs.any(dir)) return inv;
  return resolveInventory(inv.origin.raw, inv.file, inv.origin.extraVars, { sources: inv.sources, varsDirs: inv.origin.varsDirs, playbookDirs: [dir] });
}

function priorityOf(group: string, p: unknown, loc: SourceLoc | undefined): number {
  const n = typeof p === 'string' && /^\s*[-+]?\d+\s*$/.test(p) ? Number(p) : p;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw invalid(`ansible_group_priority of group '${group}' must be a whole number, got ${JSON.stringify(p)}`, loc);
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
