// Ansible's INI inventory: [group] host lines with key=value, [group:vars], [group:children].
import { invalid } from '../errors.js';
import { splitWords } from '../shell/words.js';
import type { Vars } from '../types.js';
import { newGroup, type RawInventory } from './model.js';
import { expandHostPattern } from './ranges.js';
import { addHost } from './yaml.js';

/** Values as Ansible's INI reader treats them loosely: ints, floats and booleans become typed. */
export function iniValue(v: string): unknown {
  if (/^-?\d+$/.test(v)) return Number(v);
  if (/^-?\d+\.\d+$/.test(v)) return Number(v);
  if (/^(true|yes)$/i.test(v)) return true;
  if (/^(false|no)$/i.test(v)) return false;
  return v;
}

export function parseIniInventory(text: string, file: string): RawInventory {
  const raw: RawInventory = { groups: new Map([['all', newGroup('all')], ['ungrouped', newGroup('ungrouped')]]), hostVars: new Map(), order: [] };
  let section = { group: 'ungrouped', kind: 'hosts' as 'hosts' | 'vars' | 'children' };
  const group = (name: string) => {
    let g = raw.groups.get(name);
    if (!g) raw.groups.set(name, (g = newGroup(name)));
    return g;
  };
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const loc = { file, line: i + 1, column: 1 };
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const head = /^\[([^\]:]+)(?::(vars|children))?\]$/.exec(line);
    if (head) {
      section = { group: head[1]!, kind: (head[2] as 'vars' | 'children') ?? 'hosts' };
      group(section.group);
      return;
    }
    if (line.startsWith('[')) throw invalid(`bad section header '${line}': use [group], [group:vars] or [group:children]`, loc);
    let words: string[];
    try {
      words = splitWords(line.replace(/\s+[#;].*$/, ''));
    } catch (e) {
      throw invalid((e as Error).message, loc);
    }
    const g = group(section.group);
    if (section.kind === 'children') {
      if (words.length !== 1) throw invalid(`[${section.group}:children] takes one group name per line`, loc);
      if (!g.children.includes(words[0]!)) g.children.push(words[0]!);
      group(words[0]!);
      return;
    }
    if (section.kind === 'vars') {
      const eq = line.indexOf('=');
      if (eq <= 0) throw invalid(`expected key=value in [${section.group}:vars]`, loc);
      g.vars[line.slice(0, eq).trim()] = iniValue(unquote(line.slice(eq + 1).trim()));
      return;
    }
    const [host, ...kvs] = words;
    const vars: Vars = {};
    for (const kv of kvs) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw invalid(`expected key=value after host '${host}', got '${kv}'`, { ...loc, column: rawLine.indexOf(kv) + 1 });
      vars[kv.slice(0, eq)] = iniValue(kv.slice(eq + 1));
    }
    for (const h of expandHostPattern(host!, loc)) addHost(raw, g.hosts, h, vars);
  });
  if (raw.groups.get('ungrouped')!.hosts.length === 0) raw.groups.delete('ungrouped');
  return raw;
}

const unquote = (v: string) => (/^(['"]).*\1$/.test(v) ? v.slice(1, -1) : v);
