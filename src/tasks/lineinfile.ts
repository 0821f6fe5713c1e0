import { defineTask } from '../types.js';
import { doc, object, optional, SchemaError, string, plain } from '../schema/schema.js';
import { fileFact } from '../facts/file.js';
import { checkTextEditArgs, planTextEdit, textEditArgs } from './lib/content.js';
import { editLine } from './lib/text-edit.js';

export const lineinfileTask = defineTask({
  type: 'lineinfile',
  description: 'One line in a text file: replaced where regexp matches (the last match), inserted otherwise, or removed.',
  args: object(
    {
      path: doc(plain(), 'the file'),
      line: doc(optional(string()), 'the line that must be present'),
      regexp: doc(optional(string()), 'lines to replace (present) or remove (absent)'),
      ...textEditArgs,
    },
    (a, path) => {
      if (a.state === 'present' && a.line === undefined) throw new SchemaError([...path, 'line'], "is required with state 'present'");
      if (a.state === 'absent' && a.line === undefined && a.regexp === undefined) throw new SchemaError(path, 'state absent needs line or regexp');
      checkTextEditArgs(a, path, ['regexp', 'insertafter', 'insertbefore']);
    },
  ),
  facts: (a) => ({ now: fileFact(a.path, { follow: a.follow }) }),
  plan: (a, { now }) => planTextEdit(a.path, now, a, (text) => editLine(text, a)),
});
