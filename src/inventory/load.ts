// Reading an inventory: format by extension, else by content; the default inventory; --list output.
import { extname } from 'node:path';
import { invalid } from '../errors.js';
import { readTextFile } from '../playbook/yaml-source.js';
import type { Vars } from '../types.js';
import { addHost } from './build.js';
import { parseIniInventory } from './ini.js';
import { newRaw, type Inventory } from './model.js';
import { resolveInventory } from './resolve.js';
import { parseYamlInventory } from './yaml.js';

export type InventoryFormat = 'yaml' | 'ini';

/** .ini/.cfg are INI and .yaml/.yml/.json YAML; otherwise the first meaningful line decides. */
export function detectFormat(text: string, file: string): InventoryFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.ini' || ext === '.cfg') return 'ini';
  if (ext === '.yaml' || ext === '.yml' || ext === '.json') return 'yaml';
  const first = text.split(/\r\n|\n|\r/).map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#') && !l.startsWith(';'));
  if (first === undefined) return 'yaml';
  // INI starts with a [section] or a host line; YAML with "group:", "---" or a flow mapping
  return /^(---|\{|[^\s[\]=#'"]+:(\s|$))/.test(first) ? 'yaml' : 'ini';
}

export function parseInventoryText(text: string, file: string, extraVars?: Vars): Inventory {
  if (text.includes('\u0000')) throw invalid(`inventory ${file} is not a text file (it contains NUL bytes)`);
  if (text.trim() === '') throw invalid(`inventory ${file} is empty`, { file, line: 1, column: 1 });
  const raw = detectFormat(text, file) === 'ini' ? parseIniInventory(text, file) : parseYamlInventory(text, file);
  return resolveInventory(raw, file, extraVars);
}

export function loadInventory(path: string, opts: { extraVars?: Vars } = {}): Inventory {
  return parseInventoryText(readTextFile(path, 'inventory', { directoryHint: 'inventory directories are not supported yet' }), path, opts.extraVars);
}

/** No -i: this machine, without SSH. */
export function defaultInventory(extraVars: Vars = {}): Inventory {
  const raw = newRaw();
  addHost(raw, raw.groups.get('all')!, 'localhost', { ansible_connection: 'local' });
  return resolveInventory(raw, undefined, extraVars);
}

export interface InventoryJson {
  hosts: Record<string, Vars>;
  groups: Record<string, { hosts: string[]; children: string[] }>;
}

/** `fleet inventory --list`: resolved vars of `hosts`, and every group's members among them. */
export function inventoryToJson(inv: Inventory, hosts: readonly string[]): InventoryJson {
  const set = new Set(hosts);
  const json: InventoryJson = { hosts: {}, groups: {} };
  for (const h of hosts) {
    const host = inv.hosts.get(h);
    if (host) Object.defineProperty(json.hosts, h, { value: host.vars, enumerable: true });
  }
  for (const g of inv.groups.values()) {
    const members = [...inv.hosts.values()].filter((h) => set.has(h.name) && (g.name === 'all' || h.groups.includes(g.name))).map((h) => h.name);
    Object.defineProperty(json.groups, g.name, { value: { hosts: members, children: [...g.children] }, enumerable: true });
  }
  return json;
}
