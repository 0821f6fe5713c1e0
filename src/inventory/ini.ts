// Ansible's INI inventory: [group] host lines with key=value, [group:vars], [group:children];
// hosts before any section are 'ungrouped'. Comments start with # or ; (and # after a word on a
// host line).
//
// Values are typed as Ansible types them (ini.py _parse_value): Python's ast.literal_eval of the
// value, else the text as written. So `80` and `0x10` are numbers, `[80, 443]` a list, `None`
// null, `True` true, while `yes`, `true`, `no` and `0644` stay strings. On host lines shlex first
// removes quotes (`port="5"` is the number 5); in [group:vars] the whole rest of the line is the
// value (`port="5"` is the string "5", `x # y` keeps its "# y").
import { invalid } from '../errors.js';
import type { SourceLoc, Vars } from '../types.js';
import { didYouMean } from '../util/suggest.js';
import { addChild, addHost, groupOf } from './build.js';
import { LineSyntaxError, splitIniLine } from './ini-line.js';
import { newRaw, type RawInventory } from './model.js';
import { NOT_LITERAL, pyLiteral } from './py-literal.js';
import { parseHostEntry } from './ranges.js';

export function iniValue(v: string): unknown {
  const lit = pyLiteral(v);
  return lit === NOT_LITERAL ? v : lit;
}

type Kind = 'hosts' | 'vars' | 'children';

/** Parse into `raw` (a new one by default; several sources share one, as in Ansible). */
export function parseIniInventory(text: string, file: string, raw: RawInventory = newRaw()): RawInventory {
  let section: { group: string; kind: Kind } = { group: 'ungrouped', kind: 'hosts' };
  groupOf(raw, 'ungrouped');
  // as Ansible: a child or a :vars section naming a group not (yet) defined waits for its [group]
  // section; one still waiting at the end of the file is an error
  const pending = new Map<string, { kind: 'vars' | 'children'; loc: SourceLoc; parents: { name: string; loc: SourceLoc }[] }>();
  const addPending = (name: string) => {
    const p = pending.get(name)!;
    pending.delete(name);
    for (const parent of p.parents) {
      addChild(raw, groupOf(raw, parent.name), name, parent.loc);
      if (pending.get(parent.name)?.kind === 'children') addPending(parent.name);
    }
  };
  const lines = text.split(/\r\n|\n|\r/);
  for (const [i, rawLine] of lines.entries()) {
    const at = (column: number): SourceLoc => ({ file, line: i + 1, column });
    const indent = rawLine.length - rawLine.trimStart().length;
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    // a line starting with [ is a section, unless it is an IPv6 host with a port: [2001:db8::2]:2222
    if (SECTION.test(line) || (line.startsWith('[') && (line.endsWith(']') || !/^\[[0-9a-fA-F:.]+\]:\d+(?:\s|$)/.test(line)))) {
      section = header(line, at(indent + 1));
      const name = section.group;
      if (!raw.groups.has(name) && section.kind === 'vars' && !pending.has(name)) pending.set(name, { kind: 'vars', loc: at(indent + 2), parents: [] });
      groupOf(raw, name, at(indent + 2));
      const p = pending.get(name);
      if (p && section.kind !== 'vars') {
        if (p.kind === 'children') addPending(name);
        else pending.delete(name);
      }
      continue;
    }
    const words = split(rawLine, at);
    if (words.length === 0) continue;
    const g = groupOf(raw, section.group);
    if (section.kind === 'children') {
      if (words.length !== 1 || /[:\]]/.test(words[0]!.text)) throw invalid(`[${section.group}:children] takes one group name per line`, at(words[words.length > 1 ? 1 : 0]!.col));
      const child = words[0]!.text;
      const loc = at(words[0]!.col);
      if (raw.groups.has(child)) addChild(raw, g, child, loc);
      else {
        const p = pending.get(child) ?? { kind: 'children' as const, loc, parents: [] };
        p.parents.push({ name: g.name, loc });
        pending.set(child, p);
      }
    } else if (section.kind === 'vars') {
      const [k, v] = keyValue(rawLine.slice(indent), at(indent + 1), section.group);
      if (k === 'ansible_group_priority') raw.priorities.set(g.name, { value: v, loc: at(indent + 1) });
      else g.vars[k] = v;
    } else {
      const [host, ...kvs] = words;
      // as Ansible: a trailing ':' is reserved for a port, and '---' means a YAML file
      if (/:$/.test(host!.text) || host!.text === '---') throw invalid(`'${host!.text}' is not a host${host!.text === '---' ? ': this looks like YAML' : " (a trailing ':' needs a port)"}`, at(host!.col));
      const vars: Vars = {};
      for (const kv of kvs) {
        const eq = kv.text.indexOf('=');
        if (eq < 0) throw invalid(`expected key=value after host '${host!.text}', got '${kv.text}'`, at(kv.col));
        vars[kv.text.slice(0, eq)] = iniValue(kv.text.slice(eq + 1));
      }
      const entry = parseHostEntry(host!.text, at(host!.col));
      if (entry.port !== undefined && vars.ansible_port === undefined) vars.ansible_port = entry.port;
      for (const h of entry.names) addHost(raw, g, h, vars, at(host!.col));
    }
  }
  for (const [name, p] of pending) {
    if (p.kind === 'vars') throw invalid(`[${name}:vars] names a group that is not defined; add a [${name}] section or fix the name`, p.loc);
    const parent = p.parents[p.parents.length - 1]!;
    throw invalid(`[${parent.name}:children] names group '${name}', which is not defined; add a [${name}] section (it may be empty) or fix the name${didYouMean(name, [...raw.groups.keys()])}`, parent.loc);
  }
  return raw;
}

// ansible's section pattern: [name] or [name:kind], then maybe a # comment
const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;

function header(line: string, loc: SourceLoc): { group: string; kind: Kind } {
  const m = SECTION.exec(line);
  if (!m) throw invalid(`bad section header '${line}': use [group], [group:vars] or [group:children], without spaces`, loc);
  const kind = m[2];
  if (kind !== undefined && kind !== 'vars' && kind !== 'children') {
    throw invalid(`unknown section kind ':${kind}' in '${line}'${didYouMean(kind, ['vars', 'children'])}; use [group:vars] or [group:children]`, loc);
  }
  return { group: m[1]!, kind: (kind as Kind | undefined) ?? 'hosts' };
}

function split(rawLine: string, at: (column: number) => SourceLoc) {
  try {
    return splitIniLine(rawLine);
  } catch (e) {
    if (e instanceof LineSyntaxError) throw invalid(e.message, at(e.col));
    throw e;
  }
}

/** `key = value` in a [group:vars] section: everything after the first = is the value, as Ansible. */
function keyValue(line: string, loc: SourceLoc, group: string): [string, unknown] {
  const eq = line.indexOf('=');
  if (eq < 0) throw invalid(`expected key=value in [${group}:vars], got '${line.trim()}'`, loc);
  return [line.slice(0, eq).trim(), iniValue(line.slice(eq + 1).trim())];
}
