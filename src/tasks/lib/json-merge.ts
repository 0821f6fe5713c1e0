// Merge keys into a JSON document: objects deep-merge, arrays and scalars replace, the existing key
// order is kept and new keys are appended, so an untouched file is never reformatted.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export const isObj = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Set an own property even for keys such as `__proto__`, which plain assignment would not. */
function put(o: JsonObject, k: string, v: Json): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

export function deepMerge(base: JsonObject, patch: Record<string, unknown>): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(base)) put(out, k, base[k]!);
  for (const [k, v] of Object.entries(patch)) {
    const cur = Object.hasOwn(out, k) ? out[k] : undefined;
    put(out, k, isObj(v) && isObj(cur) ? deepMerge(cur, v) : (v as Json));
  }
  return out;
}

/** Remove dotted paths (`log-opts.max-size`); a path that is not there is not an error. */
export function removePaths(doc: JsonObject, paths: readonly string[]): JsonObject {
  const out = structuredClone(doc);
  for (const p of paths) {
    const parts = p.split('.');
    let cur: Json | undefined = out;
    for (const part of parts.slice(0, -1)) cur = isObj(cur) && Object.hasOwn(cur, part) ? cur[part] : undefined;
    if (isObj(cur)) delete cur[parts[parts.length - 1]!];
  }
  return out;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Parse, or throw a message that names the path, the line and the column. An empty file is `{}`. */
export function parseJsonFile(path: string, text: string): Json {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    const msg = (e as Error).message.replace(/ in JSON at position \d+.*$/, '');
    const pos = /position (\d+)/.exec((e as Error).message);
    const at = pos ? text.slice(0, Number(pos[1])) : text;
    const line = at.split('\n').length;
    const column = at.length - at.lastIndexOf('\n');
    throw new Error(`${path} is not valid JSON (line ${line} column ${column}: ${msg}); fix it by hand or remove it — fleet will not overwrite it`);
  }
}

/** What differs between two documents, as dotted key paths: set (new or changed) and removed. */
export function keyChanges(before: Json, after: Json, prefix = ''): { set: string[]; removed: string[] } {
  const out = { set: [] as string[], removed: [] as string[] };
  if (!isObj(before) || !isObj(after)) {
    if (!deepEqual(before, after)) out.set.push(prefix.replace(/\.$/, '') || '(document)');
    return out;
  }
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = Object.hasOwn(before, k) ? before[k] : undefined;
    const a = Object.hasOwn(after, k) ? after[k] : undefined;
    if (deepEqual(b, a)) continue;
    if (a === undefined) out.removed.push(`${prefix}${k}`);
    else if (isObj(b) && isObj(a)) {
      const sub = keyChanges(b, a, `${prefix}${k}.`);
      out.set.push(...sub.set);
      out.removed.push(...sub.removed);
    } else out.set.push(`${prefix}${k}`);
  }
  return out;
}
