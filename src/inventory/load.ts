// Reading an inventory: one or more sources (files or directories, merged in order, as several -i
// in Ansible), each file's format by extension, else by content; the default inventory; --list output.
import { readdirSync, statSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { invalid } from '../errors.js';
import { readTextFile } from '../playbook/yaml-source.js';
import type { Vars } from '../types.js';
import { addHost, groupOf } from './build.js';
import { parseIniInventory } from './ini.js';
import { newRaw, type Inventory, type RawInventory } from './model.js';
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
  const raw = newRaw();
  parseInto(raw, text, file);
  return resolveInventory(raw, file, extraVars);
}

/** As Ansible's plugin chain: the yaml plugin (files named .yaml, .yml, .json or without an
 *  extension), then the ini plugin (any file); the first that parses the file wins. The format the
 *  text looks like is tried first, and its error is the one reported when neither parses. */
function parseInto(raw: RawInventory, text: string, file: string): void {
  if (text.includes('\u0000')) throw invalid(`inventory ${file} is not a text file (it contains NUL bytes)`);
  const parsers = { ini: parseIniInventory, yaml: parseYamlInventory };
  const ext = extname(file).toLowerCase();
  const yamlAllowed = ext === '' || ext === '.yaml' || ext === '.yml' || ext === '.json';
  const first: InventoryFormat = text.trim() === '' ? 'ini' : detectFormat(text, file);
  const order: InventoryFormat[] = !yamlAllowed ? ['ini'] : first === 'yaml' ? ['yaml', 'ini'] : ['ini', 'yaml'];
  let error: unknown;
  for (const format of order) {
    try {
      // first on a scratch copy (knowing the groups so far): a half-read file must leave nothing behind
      const scratch = newRaw();
      for (const g of raw.groups.keys()) groupOf(scratch, g);
      parsers[format](text, file, scratch);
    } catch (e) {
      error ??= e;
      continue;
    }
    parsers[format](text, file, raw);
    return;
  }
  throw error;
}

/** Files and directories, merged in order; group_vars/ and host_vars/ next to each are read. */
export function loadInventory(paths: string | readonly string[], opts: { extraVars?: Vars } = {}): Inventory {
  const sources = typeof paths === 'string' ? [paths] : [...paths];
  const raw = newRaw();
  const varsDirs: string[] = [];
  for (const source of sources) {
    // a host written twice in one group must agree within a file; a later source overrides
    raw.memberVars.clear();
    if (isDir(source)) {
      varsDirs.push(source);
      for (const f of inventoryDirFiles(source)) {
        raw.memberVars.clear();
        parseInto(raw, readTextFile(f, 'inventory'), f);
      }
    } else {
      varsDirs.push(dirname(source));
      parseInto(raw, readTextFile(source, 'inventory'), source);
    }
  }
  return resolveInventory(raw, sources[0], opts.extraVars, { sources, varsDirs: [...new Set(varsDirs)] });
}

// ansible's INVENTORY_IGNORE_EXTS (REJECT_EXTS + .orig, .ini, .cfg, .retry) and the names it
// always skips in an inventory directory
const IGNORED = /^\.|^host_vars$|^group_vars$|^vars_plugins$|(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$/;

/** Every inventory file in a directory, as Ansible reads one: sorted, recursively, ignored names skipped. */
export function inventoryDirFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .filter((n) => !IGNORED.test(n))
    .flatMap((n) => (isDir(join(dir, n)) ? inventoryDirFiles(join(dir, n)) : [join(dir, n)]));
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** No -i: this machine, without SSH. */
export function defaultInventory(extraVars: Vars = {}): Inventory {
  const raw = newRaw();
  addHost(raw, raw.groups.get('all')!, 'localhost', { ansible_connection: 'local' });
  return resolveInventory(raw, undefined, extraVars);
}

/** ansible-inventory --list's shape: each group's own hosts and children (a group with neither is
 *  left out), then every host's variables under _meta.hostvars. */
export interface InventoryJson {
  _meta: { hostvars: Record<string, Vars> };
  [group: string]: { hosts?: string[]; children?: string[] } | InventoryJson['_meta'];
}

// what ansible-inventory leaves out of a host's variables: facts of the run, not of the inventory
const INTERNAL = new Set(['inventory_hostname', 'group_names']);

/** `fleet inventory --list`: the groups and the resolved vars of `hosts` (the --limit'ed ones). */
export function inventoryToJson(inv: Inventory, hosts: readonly string[]): InventoryJson {
  const set = new Set(hosts);
  const json = {} as InventoryJson;
  const seen = new Set<string>();
  const put = (name: string) => {
    const g = inv.groups.get(name);
    if (!g) return;
    const entry: { hosts?: string[]; children?: string[] } = {};
    const own = name === 'all' ? [] : g.hosts.filter((h) => set.has(h));
    if (own.length) entry.hosts = own;
    if (g.children.length) entry.children = [...g.children];
    if (own.length || g.children.length) Object.defineProperty(json, name, { value: entry, enumerable: true, writable: true, configurable: true });
    for (const c of g.children) if (!seen.has(c)) (seen.add(c), put(c));
  };
  put('all');
  const hostvars: Record<string, Vars> = {};
  for (const h of hosts) {
    const host = inv.hosts.get(h);
    if (!host) continue;
    const vars = Object.fromEntries(Object.entries(host.vars).filter(([k]) => !INTERNAL.has(k)));
    if (Object.keys(vars).length) Object.defineProperty(hostvars, h, { value: vars, enumerable: true });
  }
  json._meta = { hostvars };
  return json;
}
