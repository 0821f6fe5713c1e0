// Ansible's YAML inventory: groups with `hosts`, `children`, `vars`, at any depth.
import { isMap, isScalar, type YAMLMap } from 'yaml';
import { invalid } from '../errors.js';
import { parseYaml, type YamlSource } from '../playbook/yaml-source.js';
import type { Vars } from '../types.js';
import { didYouMean } from '../util/suggest.js';
import { newGroup, type RawInventory } from './model.js';
import { expandHostPattern } from './ranges.js';

const GROUP_KEYS = ['hosts', 'children', 'vars'];

export function parseYamlInventory(text: string, file: string): RawInventory {
  const src = parseYaml(text, file, 'inventory');
  const root = src.doc.contents;
  if (!isMap(root)) throw invalid('an inventory is a mapping of group names (usually starting with "all:")', src.loc(root));
  const raw: RawInventory = { groups: new Map(), hostVars: new Map(), order: [] };
  for (const pair of root.items) loadGroup(src, raw, keyOf(pair.key), pair.value, pair.key);
  return raw;
}

function keyOf(k: unknown): string {
  return isScalar(k) ? String(k.value) : String(k);
}

function loadGroup(src: YamlSource, raw: RawInventory, name: string, body: unknown, keyNode: unknown): void {
  let g = raw.groups.get(name);
  if (!g) raw.groups.set(name, (g = newGroup(name)));
  if (body === null || body === undefined || (isScalar(body) && body.value === null)) return;
  if (!isMap(body)) throw invalid(`group '${name}' must be a mapping with hosts, children or vars`, src.loc(body ?? keyNode));
  for (const pair of (body as YAMLMap).items) {
    const k = keyOf(pair.key);
    if (!GROUP_KEYS.includes(k)) throw invalid(`unknown key '${k}' in group '${name}'${didYouMean(k, GROUP_KEYS)}; a group has hosts, children and vars`, src.loc(pair.key));
    const v = pair.value;
    const empty = v === null || v === undefined || (isScalar(v) && v.value === null);
    if (empty) continue;
    if (!isMap(v)) throw invalid(`'${k}' of group '${name}' must be a mapping`, src.loc(v));
    if (k === 'vars') Object.assign(g.vars, v.toJS(src.doc) as Vars);
    else if (k === 'children') {
      for (const c of v.items) {
        const child = keyOf(c.key);
        if (!g.children.includes(child)) g.children.push(child);
        loadGroup(src, raw, child, c.value, c.key);
      }
    } else {
      for (const h of v.items) {
        const hv = h.value;
        const hvEmpty = hv === null || hv === undefined || (isScalar(hv) && hv.value === null);
        if (!hvEmpty && !isMap(hv)) throw invalid(`host '${keyOf(h.key)}' must map to its variables (or nothing)`, src.loc(hv));
        const vars = hvEmpty ? {} : ((hv as YAMLMap).toJS(src.doc) as Vars);
        for (const host of expandHostPattern(keyOf(h.key), src.loc(h.key))) addHost(raw, g.hosts, host, vars);
      }
    }
  }
}

export function addHost(raw: RawInventory, groupHosts: string[], host: string, vars: Vars): void {
  if (!groupHosts.includes(host)) groupHosts.push(host);
  if (!raw.hostVars.has(host)) {
    raw.hostVars.set(host, {});
    raw.order.push(host);
  }
  Object.assign(raw.hostVars.get(host)!, vars);
}
