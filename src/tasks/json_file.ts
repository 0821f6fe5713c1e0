import { defineTask } from '../types.js';
import { bool, doc, int, json, list, mode, object, optional, record, SchemaError, string, withDefault, plain } from '../schema/schema.js';
import { fileFact } from '../facts/file.js';
import { currentText, planContent } from './lib/content.js';
import { deepEqual, deepMerge, isObj, keyChanges, parseJsonFile, removePaths, type Json } from './lib/json-merge.js';

export const jsonFileTask = defineTask({
  type: 'json_file',
  description: 'Merge keys into a JSON file such as /etc/docker/daemon.json, keeping every other key; never rewrites a file that already has them, never overwrites invalid JSON.',
  args: object({
    path: doc(plain(), 'the JSON file'),
    set: doc(withDefault(record(json()), {}), 'keys to set; nested mappings merge, lists and scalars replace'),
    remove: doc(withDefault(list(string()), []), 'keys to remove, dotted for nested ones (log-opts.max-size)'),
    create: doc(withDefault(bool(), true), 'create the file when missing'),
    mode: doc(optional(mode()), "octal mode (default: keep, or '0644' for a new file)"),
    indent: doc(withDefault(int({ min: 0, max: 8 }), 2), 'indentation of a rewritten file'),
    backup: doc(withDefault(bool(), false), 'keep the previous file as PATH.<timestamp>~'),
  }, (a, path) => {
    for (const [i, p] of a.remove.entries()) {
      let cur: unknown = a.set;
      for (const part of p.split('.')) cur = isObj(cur) && Object.hasOwn(cur, part) ? cur[part] : undefined;
      if (cur !== undefined) throw new SchemaError([...path, 'remove', i], `'${p}' is also in set; a key is either set or removed`);
    }
  }),
  facts: (a) => ({ now: fileFact(a.path) }),
  plan(a, { now }) {
    const text = currentText(a.path, now);
    if (text === undefined && !a.create) throw new Error(`${a.path} does not exist; set create: true to create it`);
    const before = parseJsonFile(a.path, text ?? '');
    if (!isObj(before)) throw new Error(`${a.path} holds a JSON ${Array.isArray(before) ? 'array' : typeof before}, not an object; json_file only merges keys into an object — fix it by hand`);
    const after = removePaths(deepMerge(before, a.set), a.remove);
    // already right: only attributes may change; never rewrite for formatting
    if (text !== undefined && deepEqual(before, after)) return planContent(a.path, now, text, a);
    const plan = planContent(a.path, now, `${JSON.stringify(after, null, a.indent)}\n`, a);
    const keys = summarize(before, after);
    if (Array.isArray(plan) && plan[0] && keys) plan[0].summary = `${plan[0].summary}: ${keys}`;
    return plan;
  },
});

/** "set log-opts.max-size, live-restore; remove debug" */
function summarize(before: Json, after: Json): string {
  const { set, removed } = keyChanges(before, after);
  const parts = [...(set.length ? [`set ${set.join(', ')}`] : []), ...(removed.length ? [`remove ${removed.join(', ')}`] : [])];
  return parts.join('; ');
}
