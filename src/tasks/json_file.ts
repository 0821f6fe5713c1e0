import { defineTask } from '../types.js';
import { bool, doc, int, json, list, mode, object, optional, record, string, withDefault } from '../schema/schema.js';
import { fileFact } from '../facts/file.js';
import { currentText, planContent } from './lib/content.js';
import { changedKeys, deepEqual, deepMerge, parseJsonFile, removePaths, type Json } from './lib/json-merge.js';

export const jsonFileTask = defineTask({
  type: 'json_file',
  description: 'Merge keys into a JSON file such as /etc/docker/daemon.json, keeping every other key; never rewrites a file that already has them, never overwrites invalid JSON.',
  args: object({
    path: doc(string(), 'the JSON file'),
    set: doc(withDefault(record(json()), {}), 'keys to set; nested mappings merge, lists and scalars replace'),
    remove: doc(withDefault(list(string()), []), 'keys to remove, dotted for nested ones (log-opts.max-size)'),
    create: doc(withDefault(bool(), true), 'create the file when missing'),
    mode: doc(optional(mode()), "octal mode (default: keep, or '0644' for a new file)"),
    indent: doc(withDefault(int({ min: 0, max: 8 }), 2), 'indentation of a rewritten file'),
    backup: doc(withDefault(bool(), false), 'keep the previous file as PATH.<timestamp>~'),
  }),
  facts: (a) => ({ now: fileFact(a.path) }),
  plan(a, { now }) {
    const text = currentText(a.path, now);
    if (text === undefined && !a.create) throw new Error(`${a.path} does not exist; set create: true to create it`);
    const before = parseJsonFile(a.path, text ?? '');
    const after = removePaths(deepMerge(before, a.set), a.remove);
    if (text !== undefined && deepEqual(before, after)) return planContent(a.path, now, text, a);
    const plan = planContent(a.path, now, `${JSON.stringify(after, null, a.indent)}\n`, a);
    if (Array.isArray(plan) && plan[0]) plan[0].summary = `${plan[0].summary}: ${summarize(before, after)}`;
    return plan;
  },
});

function summarize(before: Json, after: Json): string {
  const keys = changedKeys(before, after);
  return keys.length ? `set ${keys.join(', ')}` : 'reformat';
}
