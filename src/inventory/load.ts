import { extname } from 'node:path';
import { readTextFile } from '../playbook/yaml-source.js';
import type { Vars } from '../types.js';
import { invalid } from '../errors.js';
import { parseIniInventory } from './ini.js';
import type { Inventory } from './model.js';
import { newGroup } from './model.js';
import { resolveInventory } from './resolve.js';
import { parseYamlInventory } from './yaml.js';

/** YAML or INI, by extension, else by content (an INI file starts with a [section] or host line). */
export function parseInventoryText(text: string, file: string, extraVars?: Vars): Inventory {
  if (text.trim() === '') throw invalid(`inventory ${file} is empty`, { file, line: 1, column: 1 });
  const ext = extname(file).toLowerCase();
  const looksIni = ext === '.ini' || ext === '.cfg' || (!['.yaml', '.yml', '.json'].includes(ext) && /^\s*\[[^\]]+\]\s*$/m.test(text) && !/^\s*[\w.-]+:\s*$/m.test(text));
  const raw = looksIni ? parseIniInventory(text, file) : parseYamlInventory(text, file);
  return resolveInventory(raw, file, extraVars);
}

export function loadInventory(path: string, opts: { extraVars?: Vars } = {}): Inventory {
  return parseInventoryText(readTextFile(path, 'inventory'), path, opts.extraVars);
}

/** No -i: this machine, without SSH. */
export function defaultInventory(extraVars: Vars = {}): Inventory {
  const all = newGroup('all');
  all.hosts.push('localhost');
  return resolveInventory({ groups: new Map([['all', all]]), hostVars: new Map([['localhost', { ansible_connection: 'local' }]]), order: ['localhost'] }, undefined, extraVars);
}

export function inventoryToJson(inv: Inventory, hosts: readonly string[]): { hosts: Record<string, Vars>; groups: Record<string, { hosts: string[]; children: string[] }> } {
  const set = new Set(hosts);
  return {
    hosts: Object.fromEntries(hosts.map((h) => [h, inv.hosts.get(h)!.vars])),
    groups: Object.fromEntries(
      [...inv.groups.values()].map((g) => [g.name, { hosts: [...inv.hosts.values()].filter((h) => set.has(h.name) && (g.name === 'all' || h.groups.includes(g.name))).map((h) => h.name), children: g.children }]),
    ),
  };
}
