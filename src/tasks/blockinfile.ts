import { defineTask } from '../types.js';
import { bool, doc, mode, object, oneOf, optional, string, withDefault } from '../schema/schema.js';
import { fileFact } from '../facts/file.js';
import { currentText, planContent } from './lib/content.js';
import { editBlock } from './lib/text-edit.js';

export const blockinfileTask = defineTask({
  type: 'blockinfile',
  description: 'A block of lines between marker lines in a text file: inserted, replaced or removed as a whole.',
  args: object({
    path: doc(string(), 'the file'),
    block: doc(withDefault(string(), ''), 'the lines between the markers'),
    marker: doc(withDefault(string(), '# {mark} FLEET MANAGED BLOCK'), '{mark} becomes marker_begin / marker_end'),
    marker_begin: doc(withDefault(string(), 'BEGIN'), 'word for the first marker'),
    marker_end: doc(withDefault(string(), 'END'), 'word for the last marker'),
    state: doc(withDefault(oneOf(['present', 'absent']), 'present'), 'present or absent'),
    insertafter: doc(optional(string()), "regex after whose last match to insert, or 'EOF'"),
    insertbefore: doc(optional(string()), "regex before whose first match to insert, or 'BOF'"),
    create: doc(withDefault(bool(), false), 'create the file when missing'),
    mode: doc(optional(mode()), 'octal mode of the file'),
    backup: doc(withDefault(bool(), false), 'keep the previous file as PATH.<timestamp>~'),
  }),
  facts: (a) => ({ now: fileFact(a.path) }),
  plan(a, { now }) {
    const before = currentText(a.path, now);
    if (before === undefined) {
      if (a.state === 'absent') return { ok: `${a.path} does not exist` };
      if (!a.create) throw new Error(`${a.path} does not exist; set create: true to create it`);
    }
    const edit = { ...a, begin: a.marker.replace('{mark}', a.marker_begin), end: a.marker.replace('{mark}', a.marker_end) };
    return planContent(a.path, now, editBlock(before ?? '', edit), a);
  },
});
