import type { SourceLoc, Vars } from '../types.js';

export interface InventoryHost {
  name: string;
  /** fully resolved, in Ansible's precedence (resolve.ts): groups, group_vars/, host, host_vars/ (< extra vars) */
  vars: Vars;
  /** groups the host belongs to, directly or through children, sorted, without 'all' */
  groups: string[];
  /** Ansible's implicit localhost: named by a pattern, not in the inventory, not part of all */
  implicit?: boolean;
}

export interface InventoryGroup {
  name: string;
  hosts: string[];
  children: string[];
  vars: Vars;
}

export interface Inventory {
  /** the first source (as the run journal records it); all of them in `sources` */
  file?: string;
  sources?: string[];
  hosts: Map<string, InventoryHost>;
  groups: Map<string, InventoryGroup>;
  /** what Ansible would warn about too (a host named like a group, no hosts), for the CLI to print */
  warnings?: string[];
  /** how it was resolved, so a playbook's group_vars/ and host_vars/ can be added (vars-dirs.ts) */
  origin?: { raw: RawInventory; extraVars: Vars; varsDirs: string[] };
}

/** Raw parse result before variables are resolved; locations let later checks point at the file. */
export interface RawInventory {
  groups: Map<string, InventoryGroup>;
  /** host vars as written, per host, merged across groups in file order */
  hostVars: Map<string, Vars>;
  /** host names in file order */
  order: string[];
  /** where each host and group was first written */
  hostLocs: Map<string, SourceLoc>;
  groupLocs: Map<string, SourceLoc>;
  /** where `child` was listed under `parent`, keyed by edgeKey(parent, child) */
  edgeLocs: Map<string, SourceLoc>;
  /** vars of each (group, host) definition, to catch conflicting duplicates */
  memberVars: Map<string, { vars: Vars; loc?: SourceLoc }>;
  /** ansible_group_priority as set in the inventory: consumed, as Ansible, not a variable */
  priorities: Map<string, { value: unknown; loc?: SourceLoc }>;
  warnings: string[];
}

export const newGroup = (name: string): InventoryGroup => ({ name, hosts: [], children: [], vars: {} });

export const newRaw = (): RawInventory => ({
  groups: new Map([['all', newGroup('all')]]),
  hostVars: new Map(),
  order: [],
  hostLocs: new Map(),
  groupLocs: new Map(),
  edgeLocs: new Map(),
  memberVars: new Map(),
  priorities: new Map(),
  warnings: [],
});

export const edgeKey = (parent: string, child: string): string => `${parent}\u0000${child}`;
