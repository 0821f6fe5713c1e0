// Merge keys into a JSON document: objects deep-merge, arrays and scalars replace, the existing key
// order is kept and new keys are appended, so an untouched file is never reformatted.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObj = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function deepMerge(base: Json, patch: Record<string, unknown>): Json {
  const out: Record<string, Json> = isObj(base) ? { ...base } : {};
  for (const [k, v] of Object.entries(patch)) {
    out[k] = isObj(v) && isObj(out[k]) ? deepMerge(out[k]!, v) : (v as Json);
  }
  return out;
}

export function removePaths(doc: Json, paths: readonly string[]): Json {
  const out = structuredClone(doc);
  for (const p of paths) {
    const parts = p.split('.');
    let cur: Json | undefined = out;
    for (const part of parts.slice(0, -1)) cur = isObj(cur) ? cur[part] : undefined;
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

/** Parse, or throw a message that names the path and the line. */
export function parseJsonFile(path: string, text: string): Json {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined;
    throw new Error(`${path} is not valid JSON (${line ? `line ${line}: ` : ''}${msg}); fix it by hand or remove it — fleet will not overwrite it`);
  }
}

/** Changed keys as dotted paths, for a one-line summary. */
export function changedKeys(before: Json, after: Json, prefix = ''): string[] {
  if (isObj(before) && isObj(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((k) => (deepEqual(before[k], after[k]) ? [] : isObj(before[k]) && isObj(after[k]) ? changedKeys(before[k]!, after[k]!, `${prefix}${k}.`) : [`${prefix}${k}`]));
  }
  return deepEqual(before, after) ? [] : [prefix.replace(/\.$/, '') || '(document)'];
}
