// Ansible host ranges: web[01:03], db-[a:c], node[1:10:2].
import { invalid } from '../errors.js';
import type { SourceLoc } from '../types.js';

export function expandHostPattern(name: string, loc?: SourceLoc): string[] {
  const m = /^(.*?)\[([^\]:]+):([^\]:]+)(?::(\d+))?\](.*)$/.exec(name);
  if (!m) return [name];
  const [, pre = '', a = '', b = '', stepText, post = ''] = m;
  const step = stepText ? Number(stepText) : 1;
  const out: string[] = [];
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const width = a.length > 1 && a.startsWith('0') ? a.length : 0;
    for (let i = Number(a); i <= Number(b); i += step) out.push(String(i).padStart(width, '0'));
  } else if (/^[a-z]$/i.test(a) && /^[a-z]$/i.test(b)) {
    for (let c = a.charCodeAt(0); c <= b.charCodeAt(0); c += step) out.push(String.fromCharCode(c));
  } else throw invalid(`bad host range '${name}': use [01:10] or [a:f]`, loc);
  if (out.length === 0) throw invalid(`host range '${name}' is empty (start is after end)`, loc);
  return out.flatMap((x) => expandHostPattern(`${pre}${x}${post}`, loc));
}
