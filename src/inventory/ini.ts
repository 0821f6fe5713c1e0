// Ansible's INI inventory: [group] host lines with key=value, [group:vars], [group:children];
// hosts before any section are 'ungrouped'. Comments start with # or ; (and # after a word).
//
// Values are typed loosely, on host lines and in [group:vars] alike (Ansible keeps :vars values as
// strings; we do not, so `ansible_port=2222` is a number wherever it is written): whole and decimal
// numbers become numbers, true/false/yes/no (any case) become booleans, anything else is a string.
// On host lines quotes group words (`motd="hello world"`) and are removed before typing, as
// shlex does; in [group:vars] a quoted value stays a string.
import { invalid } from '../errors.js';
import type { SourceLoc, Vars } from '../types.js';
import { didYouMean } from '../util/suggest.js';
import { addChild, addHost, groupOf } from './build.js';
import { LineSyntaxError, splitIniLine } from './ini-line.js';
import { newRaw, type RawInventory } from './model.js';
import { parseHostEntry } from './ranges.js';

export function iniValue(v: string): unknown {
  if (/^-?\d+$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
  if (/^-?\d+\.\d+$/.test(v)) return Number(v);
  if (/^(true|yes)$/i.test(v)) return true;
  if (/^(false|no)$/i.test(v)) return false;
  return v;
}

type Kind = 'hosts' | 'vars' | 'children';

export function parseIniInventory(text: string, file: string): RawInventory {
  const raw = newRaw();
  let section: { group: string; kind: Kind } = { group: 'ungrouped', kind: 'hosts' };
  const lines = text.split(/\r\n|\n|\r/);
  for (const [i, rawLine] of lines.entries()) {
    const at = (column: number): SourceLoc => ({ file, line: i + 1, column });
    const indent = rawLine.length - rawLine.trimStart().length;
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      section = header(line, at(indent + 1));
      groupOf(raw, section.group, at(indent + 2));
      continue;
    }
    const words = split(rawLine, at);
    if (words.length === 0) continue;
    const g = groupOf(raw, section.group);
    if (section.kind === 'children') {
      if (words.length !== 1) throw invalid(`[${section.group}:children] takes one group name per line`, at(words[1]!.col));
      addChild(raw, g, words[0]!.text, at(words[0]!.col));
    } else if (section.kind === 'vars') {
      const [k, v] = keyValue(rawLine.slice(indent), at(indent + 1), section.group);
      g.vars[k] = v;
    } else {
      const [host, ...kvs] = words;
      const vars: Vars = {};
      for (const kv of kvs) {
        const eq = kv.text.indexOf('=');
        if (eq <= 0) throw invalid(`expected key=value after host '${host!.text}', got '${kv.text}'`, at(kv.col));
        vars[kv.text.slice(0, eq)] = iniValue(kv.text.slice(eq + 1));
      }
      const entry = parseHostEntry(host!.text, at(host!.col));
      if (entry.port !== undefined && vars.ansible_port === undefined) vars.ansible_port = entry.port;
      for (const h of entry.names) addHost(raw, g, h, vars, at(host!.col));
    }
  }
  return raw;
}

function header(line: string, loc: SourceLoc): { group: string; kind: Kind } {
  const m = /^\[([^\]\s:]+)(?::([^\]\s]*))?\]\s*(?:[#;].*)?$/.exec(line);
  if (!m) throw invalid(`bad section header '${line}': use [group], [group:vars] or [group:children]`, loc);
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

/** `key = value` in a [group:vars] section; the value may be quoted and followed by a # comment. */
function keyValue(line: string, loc: SourceLoc, group: string): [string, unknown] {
  const eq = line.indexOf('=');
  const key = eq > 0 ? line.slice(0, eq).trim() : '';
  if (!/^[A-Za-z_][\w]*$/.test(key)) throw invalid(`expected key=value in [${group}:vars], got '${line.trim()}'`, loc);
  const rest = line.slice(eq + 1).trim();
  const quoted = /^(['"])(.*?)\1\s*(?:#.*)?$/.exec(rest);
  if (quoted) return [key, quoted[2]!];
  return [key, iniValue(rest.replace(/\s+#.*$/, '').trim())];
}
