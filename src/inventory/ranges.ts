// Host entries as Ansible writes them: ranges web[01:03], db-[a:c], node[0:10:2], and an optional
// :port suffix (host:2222, [::1]:2222). Pure; errors carry the entry's location.
import { invalid } from '../errors.js';
import type { SourceLoc } from '../types.js';

// Ansible orders alphabetic ranges by string.ascii_letters
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const MAX_HOSTS = 100_000;

export interface HostEntry {
  names: string[];
  port?: number;
}

/** `name[:port]` with ranges expanded, as in an INI host line or a YAML `hosts:` key. */
export function parseHostEntry(text: string, loc?: SourceLoc): HostEntry {
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(text);
  if (v6) return { names: [v6[1]!], port: portOf(v6[2]!, text, loc) };
  // a single colon outside [...] separates a port; several mean an IPv6 address
  const outside = text.replace(/\[[^\]]*\]/g, '');
  const m = /^(.+):(\d+)$/.exec(text);
  if (m && (outside.match(/:/g) ?? []).length === 1) return { names: expandHostPattern(m[1]!, loc), port: portOf(m[2]!, text, loc) };
  return { names: expandHostPattern(text, loc) };
}

function portOf(p: string, text: string, loc?: SourceLoc): number {
  const n = Number(p);
  if (n < 1 || n > 65535) throw invalid(`bad port in host '${text}': use 1-65535`, loc);
  return n;
}

/** Expand every [a:b] or [a:b:step] range in a host name; a name without one is returned as is. */
export function expandHostPattern(name: string, loc?: SourceLoc): string[] {
  return expand(name, loc, { left: MAX_HOSTS });
}

function expand(name: string, loc: SourceLoc | undefined, budget: { left: number }): string[] {
  const m = /^(.*?)\[([^\]:]*):([^\]:]*)(?::([^\]:]*))?\](.*)$/.exec(name);
  if (!m) return [name];
  const [, pre = '', a0 = '', b = '', stepText, post = ''] = m;
  const a = a0 === '' ? '0' : a0;
  const bad = (why: string) => invalid(`bad host range '${name}': ${why}`, loc);
  if (b === '') throw bad('it needs an end, as in web[01:10]');
  if (stepText !== undefined && !/^[1-9]\d*$/.test(stepText)) throw bad('the step must be a positive whole number, as in web[0:10:2]');
  const step = stepText === undefined ? 1 : Number(stepText);
  const items: string[] = [];
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const padded = a.length > 1 && a.startsWith('0');
    if (padded && a.length !== b.length) throw bad(`a zero-padded start needs an end of the same width ('${a}' and '${b}')`);
    const [from, to] = [Number(a), Number(b)];
    if (from > to) throw bad('the start is after the end');
    if ((to - from) / step >= budget.left) throw bad(`it expands to more than ${MAX_HOSTS} hosts`);
    for (let i = from; i <= to; i += step) items.push(padded ? String(i).padStart(a.length, '0') : String(i));
  } else if (LETTERS.includes(a) && LETTERS.includes(b) && a.length === 1 && b.length === 1) {
    const [from, to] = [LETTERS.indexOf(a), LETTERS.indexOf(b)];
    if (from > to) throw bad('the start is after the end');
    for (let i = from; i <= to; i += step) items.push(LETTERS[i]!);
  } else throw bad('use numbers ([01:10]) or single letters ([a:f])');
  budget.left -= items.length;
  const out = items.flatMap((x) => expand(`${pre}${x}${post}`, loc, budget));
  if (out.length > MAX_HOSTS) throw bad(`it expands to more than ${MAX_HOSTS} hosts`);
  return out;
}
