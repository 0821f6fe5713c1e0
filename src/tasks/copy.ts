import { defineTask } from '../types.js';
import { bool, doc, mode, object, optional, SchemaError, string, withDefault, type Path, plain } from '../schema/schema.js';
import { fileFact } from '../facts/file.js';
import { planContent } from './lib/content.js';

export const writeArgs = {
  dest: doc(plain(), 'destination path on the host'),
  mode: doc(optional(mode()), "octal mode, quoted: '0644' (default: keep, or 0644 for a new file)"),
  owner: doc(optional(plain()), 'owner user name'),
  group: doc(optional(plain()), 'group name'),
  backup: doc(withDefault(bool(), false), 'keep the previous file as DEST.<timestamp>~'),
  validate: doc(optional(string()), "command that must accept the new file before it replaces the old one; %s is its path (e.g. 'visudo -cf %s')"),
  follow: doc(withDefault(bool(), false), 'where dest is a symlink, write the file it points to (default: refuse; fleet never follows a link another user owns)'),
};

/** Checks every whole-file write shares. */
export function checkWriteArgs(a: { validate?: string }, path: Path): void {
  if (a.validate !== undefined && !a.validate.includes('%s')) throw new SchemaError([...path, 'validate'], "must contain %s (the path of the new file), e.g. 'visudo -cf %s'");
}

export const copyTask = defineTask({
  type: 'copy',
  description: 'A file with exact content (inline, or from a controller file), replaced atomically, with a diff.',
  args: object({ ...writeArgs, content: doc(optional(string()), 'the content'), src: doc(optional(string()), 'controller text file, relative to the playbook (read before connecting)') }, (a, path) => {
    if ((a.content === undefined) === (a.src === undefined)) throw new SchemaError(path, 'give exactly one of content or src');
    checkWriteArgs(a, path);
  }),
  resolve: (a, ctx) => (a.src !== undefined ? { ...a, content: ctx.readFile(a.src), src: undefined } : a),
  facts: (a) => ({ now: fileFact(a.dest, { follow: a.follow }) }),
  plan: (a, { now }) => planContent(a.dest, now, a.content ?? '', a),
});
