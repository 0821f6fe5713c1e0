// Ansible's YAML inventory: top-level groups (usually `all`) with `hosts`, `children` and `vars`,
// nested to any depth; a group written in several places is merged. As Ansible: `hosts: web1` (a
// plain string) is one host, an empty or comment-only file has no hosts (a warning, not an error),
// ansible_group_priority in a group's vars sets its priority and is not a variable.
import { isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import { invalid } from '../errors.js';
import { parseYaml, type YamlSource } from '../playbook/yaml-source.js';
import type { Vars } from '../types.js';
import { didYouMean } from '../util/suggest.js';
import { addChild, addHost, assignVars, groupOf } from './build.js';
import { newRaw, type InventoryGroup, type RawInventory } from './model.js';
import { parseHostEntry } from './ranges.js';

const GROUP_KEYS = ['hosts', 'children', 'vars'];

export function parseYamlInventory(text: string, file: string, raw: RawInventory = newRaw()): RawInventory {
  if (text.trim() === '') return raw;
  const src = parseYaml(text, file, 'inventory');
  const root = src.doc.contents;
  if (isEmpty(root)) return raw;
  if (!isMap(root)) throw invalid('an inventory is a mapping of group names; start it with "all:"', src.loc(root));
  const plugin = root.items.find((p) => keyOf(p.key) === 'plugin');
  if (plugin) throw invalid(`${file} configures the inventory plugin '${isScalar(plugin.value) ? String(plugin.value.value) : ''}'; fleet reads static YAML and INI inventories, not dynamic ones`, src.loc(plugin.key));
  for (const pair of root.items) {
    const name = keyOf(pair.key);
    if (GROUP_KEYS.includes(name)) throw invalid(`top-level '${name}' is not a group; put it under a group, as in "all:\\n  ${name}:"`, src.loc(pair.key));
    loadGroup(src, raw, groupOf(raw, name, src.loc(pair.key)), pair.value, pair.key);
  }
  return raw;
}

const isEmpty = (n: unknown): boolean => n === null || n === undefined || (isScalar(n) && n.value === null);
const keyOf = (k: unknown): string => (isScalar(k) ? String(k.value) : String(k));

function loadGroup(src: YamlSource, raw: RawInventory, g: InventoryGroup, body: unknown, keyNode: unknown): void {
  if (isEmpty(body)) return;
  if (!isMap(body)) throw invalid(`group '${g.name}' must be a mapping with hosts, children or vars`, src.loc(body ?? keyNode));
  for (const pair of (body as YAMLMap).items) {
    const k = keyOf(pair.key);
    if (!GROUP_KEYS.includes(k)) throw invalid(`unknown key '${k}' in group '${g.name}'${didYouMean(k, GROUP_KEYS)}; a group has hosts, children and vars`, src.loc(pair.key));
    const v = pair.value;
    if (isEmpty(v)) continue;
    if (isScalar(v) && typeof v.value === 'string') {
      // as Ansible: a plain string is one entry without a value
      if (k === 'vars' && v.value === 'ansible_group_priority') raw.priorities.set(g.name, { value: null, loc: src.loc(v) });
      else if (k === 'vars') Object.defineProperty(g.vars, v.value, { value: null, enumerable: true, writable: true, configurable: true });
      else if (k === 'children') addChild(raw, g, v.value, src.loc(v));
      else {
        const entry = parseHostEntry(v.value, src.loc(v));
        for (const host of entry.names) addHost(raw, g, host, entry.port === undefined ? {} : { ansible_port: entry.port }, src.loc(v));
      }
      continue;
    }
    if (!isMap(v)) {
      const hint = isSeq(v) && k !== 'vars' ? `; write each entry as "name:" on its own line, not as a list` : '';
      throw invalid(`'${k}' of group '${g.name}' must be a mapping${hint}`, src.loc(v));
    }
    if (k === 'vars') {
      const vars = v.toJS(src.doc) as Vars;
      if (Object.hasOwn(vars, 'ansible_group_priority')) {
        raw.priorities.set(g.name, { value: vars.ansible_group_priority, loc: src.locAt(v, ['ansible_group_priority']) });
        delete vars.ansible_group_priority;
      }
      assignVars(g.vars, vars);
    }
    else if (k === 'children') {
      for (const c of v.items) loadGroup(src, raw, addChild(raw, g, keyOf(c.key), src.loc(c.key)), c.value, c.key);
    } else {
      for (const h of v.items) {
        const hv = h.value;
        const name = keyOf(h.key);
        if (!isEmpty(hv) && !isMap(hv)) throw invalid(`host '${name}' must map to its variables (or nothing), as in "${name}: { ansible_host: 10.0.0.5 }"`, src.loc(hv));
        const vars = isEmpty(hv) ? {} : ((hv as YAMLMap).toJS(src.doc) as Vars);
        const loc = src.loc(h.key);
        const entry = parseHostEntry(name, loc);
        if (entry.port !== undefined && vars.ansible_port === undefined) vars.ansible_port = entry.port;
        for (const host of entry.names) addHost(raw, g, host, vars, loc);
      }
    }
  }
}
