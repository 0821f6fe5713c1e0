import { defineTask } from '../types.js';
import { bool, doc, mode, object, oneOf, optional, SchemaError, string, withDefault } from '../schema/schema.js';
import { fileFact } from '../facts/file.js';
import { currentText, planContent } from './lib/content.js';
import { editLine } from './lib/text-edit.js';

export const lineinfileTask = defineTask({
  type: 'lineinfile',
  description: 'One line in a text file: replaced where regexp matches (the last match), inserted otherwise, or removed.',
  args: object(
    {
      path: doc(string(), 'the file'),
      line: doc(optional(string()), 'the line that must be present'),
      regexp: doc(optional(string()), 'lines to replace (present) or remove (absent)'),
      state: doc(withDefault(oneOf(['present', 'absent']), 'present'), 'present or absent'),
      insertafter: doc(optional(string()), "regex after whose last match to insert, or 'EOF'"),
      insertbefore: doc(optional(string()), "regex before whose first match to insert, or 'BOF'"),
      create: doc(withDefault(bool(), false), 'create the file when missing'),
      mode: doc(optional(mode()), 'octal mode of the file'),
      backup: doc(withDefault(bool(), false), 'keep the previous file as PATH.<timestamp>~'),
    },
    (a, path) => {
      if (a.state === 'present' && a.line === undefined) throw new SchemaError([...path, 'line'], "is required with state 'present'");
      if (a.state === 'absent' && a.line === undefined && a.regexp === undefined) throw new SchemaError(path, 'state absent needs line or regexp');
      for (const k of ['regexp', 'insertafter', 'insertbefore'] as const) {
        const v = a[k];
        if (v && v !== 'EOF' && v !== 'BOF') {
          try {
            new RegExp(v);
          } catch (e) {
            throw new SchemaError([...path, k], `is not a valid regular expression: ${(e as Error).message}`);
          }
        }
      }
    },
  ),
  facts: (a) => ({ now: fileFact(a.path) }),
  plan(a, { now }) {
    const before = currentText(a.path, now);
    if (before === undefined) {
      if (a.state === 'absent') return { ok: `${a.path} does not exist` };
      if (!a.create) throw new Error(`${a.path} does not exist; set create: true to create it`);
    }
    return planContent(a.path, now, editLine(before ?? '', a), a);
  },
});
