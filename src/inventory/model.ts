import type { Vars } from '../types.js';

export interface InventoryHost {
  name: string;
  /** fully resolved: all < parent group < child group < host (< extra vars) */
  vars: Vars;
  /** groups the host belongs to, directly or through children, sorted, without 'all' */
  groups: string[];
}

export interface InventoryGroup {
  name: string;
  hosts: string[];
  children: string[];
  vars: Vars;
}

export interface Inventory {
  file?: string;
  hosts: Map<string, InventoryHost>;
  groups: Map<string, InventoryGroup>;
}

/** Raw parse result before variables are resolved. */
export interface RawInventory {
  groups: Map<string, InventoryGroup>;
  /** host vars as written, per host, merged across groups in file order */
  hostVars: Map<string, Vars>;
  /** host names in file order */
  order: string[];
}

export const newGroup = (name: string): InventoryGroup => ({ name, hosts: [], children: [], vars: {} });
