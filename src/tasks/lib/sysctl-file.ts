// Pure edits of a sysctl.d file (sysctl.d(5)): `key = value` lines, '#' or ';' comments, a leading
// '-' meaning "ignore a failure to set". Other lines are kept as written.
import { normalizeSysctl, sysctlKey } from '../../facts/sysctl.js';

interface Assignment {
  key: string;
  value: string;
}

export function parseLine(line: string): Assignment | undefined {
  const t = line.trim();
  if (t === '' || t.startsWith('#') || t.startsWith(';')) return undefined;
  const eq = t.indexOf('=');
  if (eq < 0) return undefined;
  return { key: sysctlKey(t.slice(0, eq).trim().replace(/^-/, '')), value: normalizeSysctl(t.slice(eq + 1)) };
}

/** The value the file sets for `name` (the last assignment wins), or undefined. */
export function persistedValue(text: string, name: string): string | undefined {
  const key = sysctlKey(name);
  let value: string | undefined;
  for (const line of text.split('\n')) {
    const a = parseLine(line);
    if (a?.key === key) value = a.value;
  }
  return value;
}

/** Set `name` (value given) or remove it (undefined): the first assignment is replaced in place,
 *  later ones are dropped, a new one is appended. */
export function editSysctl(text: string, name: string, value: string | undefined): string {
  const key = sysctlKey(name);
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let placed = false;
  for (const line of lines) {
    if (parseLine(line)?.key !== key) out.push(line);
    else if (value !== undefined && !placed) {
      out.push(`${name} = ${value}`);
      placed = true;
    }
  }
  if (value !== undefined && !placed) out.push(`${name} = ${value}`);
  return out.length ? `${out.join('\n')}\n` : '';
}
