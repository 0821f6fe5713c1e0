// Building a RawInventory while parsing: groups, child edges and host entries, remembering where
// each was written. Shared by the YAML and INI readers.
import { formatLoc, invalid } from '../errors.js';
import type { SourceLoc, Vars } from '../types.js';
import { edgeKey, newGroup, type InventoryGroup, type RawInventory } from './model.js';

export function groupOf(raw: RawInventory, name: string, loc?: SourceLoc): InventoryGroup {
  let g = raw.groups.get(name);
  if (!g) raw.groups.set(name, (g = newGroup(name)));
  if (loc && !raw.groupLocs.has(name)) raw.groupLocs.set(name, loc);
  return g;
}

export function addChild(raw: RawInventory, parent: InventoryGroup, child: string, loc?: SourceLoc): InventoryGroup {
  if (!parent.children.includes(child)) parent.children.push(child);
  if (loc && !raw.edgeLocs.has(edgeKey(parent.name, child))) raw.edgeLocs.set(edgeKey(parent.name, child), loc);
  return groupOf(raw, child, loc);
}

/** Add `host` to `group`. The same host written twice in one group must not disagree on a variable. */
export function addHost(raw: RawInventory, group: InventoryGroup, host: string, vars: Vars, loc?: SourceLoc): void {
  if (!group.hosts.includes(host)) group.hosts.push(host);
  if (!raw.hostVars.has(host)) {
    raw.hostVars.set(host, {});
    raw.order.push(host);
    if (loc) raw.hostLocs.set(host, loc);
  }
  const key = edgeKey(group.name, host);
  const prev = raw.memberVars.get(key);
  if (prev) {
    for (const [k, v] of Object.entries(vars)) {
      if (Object.hasOwn(prev.vars, k) && JSON.stringify(prev.vars[k]) !== JSON.stringify(v)) {
        const first = prev.loc ? ` (first at ${formatLoc(prev.loc)})` : '';
        throw invalid(`host '${host}' is defined twice in group '${group.name}' with different values for '${k}'${first}; keep one definition`, loc);
      }
    }
    assignVars(prev.vars, vars);
  } else raw.memberVars.set(key, { vars: assignVars({}, vars), loc });
  assignVars(raw.hostVars.get(host)!, vars);
}

/** Object.assign that defines keys instead of setting them, so a variable named __proto__ stays data. */
export function assignVars(target: Vars, src: Vars): Vars {
  for (const [k, v] of Object.entries(src)) Object.defineProperty(target, k, { value: v, enumerable: true, writable: true, configurable: true });
  return target;
}
