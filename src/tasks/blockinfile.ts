import { defineTask } from '../types.js';
import { doc, object, SchemaError, string, withDefault, plain } from '../schema/schema.js';
import { fileFact } from '../facts/file.js';
import { checkTextEditArgs, planTextEdit, textEditArgs } from './lib/content.js';
import { editBlock } from './lib/text-edit.js';

export const blockinfileTask = defineTask({
  type: 'blockinfile',
  description: 'A block of lines between marker lines in a text file: inserted, replaced or removed as a whole.',
  args: object({
    path: doc(plain(), 'the file'),
    block: doc(withDefault(string(), ''), 'the lines between the markers (empty: the block is removed, as with state absent)'),
    marker: doc(withDefault(string(), '# {mark} FLEET MANAGED BLOCK'), '{mark} becomes marker_begin / marker_end'),
    marker_begin: doc(withDefault(string(), 'BEGIN'), 'word for the first marker'),
    marker_end: doc(withDefault(string(), 'END'), 'word for the last marker'),
    ...textEditArgs,
  }, (a, path) => {
    if (!a.marker.includes('{mark}')) throw new SchemaError([...path, 'marker'], "must contain {mark}, or the first and last marker lines are the same and the block cannot be found again");
    checkTextEditArgs(a, path, ['insertafter', 'insertbefore']);
  }),
  facts: (a) => ({ now: fileFact(a.path, { follow: a.follow }) }),
  plan(a, { now }) {
    const edit = { ...a, begin: a.marker.replace('{mark}', a.marker_begin), end: a.marker.replace('{mark}', a.marker_end) };
    return planTextEdit(a.path, now, a, (text) => editBlock(text, edit));
  },
});
