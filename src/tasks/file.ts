import { defineTask } from '../types.js';
import { bool, doc, mode, object, oneOf, optional, withDefault, plain } from '../schema/schema.js';
import { backup, sh } from '../shell/sh.js';
import { fileFact } from '../facts/file.js';
import { attrChanges } from './lib/file-attrs.js';

export const fileTask = defineTask({
  type: 'file',
  description: 'A directory, a file or nothing at a path, with mode, owner and group. Never replaces a path of the wrong type unless forced.',
  args: object({
    path: doc(plain(), 'the path'),
    state: doc(withDefault(oneOf(['file', 'directory', 'absent', 'touch']), 'file'), "'file' requires an existing regular file; 'touch' creates an empty one if missing"),
    mode: doc(optional(mode()), "octal mode, quoted: '0644'"),
    owner: doc(optional(plain()), 'owner user name'),
    group: doc(optional(plain()), 'group name'),
    force: doc(withDefault(bool(), false), 'replace a path of the wrong type (deletes it)'),
  }),
  facts: (a) => ({ now: fileFact(a.path) }),
  plan(a, { now }) {
    const key = `file:${a.path}`;
    if (a.state === 'absent') {
      if (!now.exists) return { ok: `${a.path} is absent` };
      // a symlink goes, never what it points to (`rm -rf link` without a trailing slash is the link)
      if (now.link) return [{ summary: `remove symlink ${a.path} (to ${now.link})`, steps: [backup(a.path), sh`rm -f -- ${a.path}`], invalidates: [key] }];
      return [{ summary: `remove ${now.type} ${a.path}`, steps: [backup(a.path), now.type === 'directory' ? sh`rm -rf -- ${a.path}` : sh`rm -f -- ${a.path}`], invalidates: [key] }];
    }
    const want = a.state === 'directory' ? 'directory' : 'file';
    if (now.exists && now.type !== want) {
      if (!a.force) throw new Error(`${a.path} is a ${now.type}, not a ${want}; set force: true to replace it (its content is lost)`);
      const create = want === 'directory' ? sh`${backup(a.path)}; rm -rf -- ${a.path} && mkdir -p -- ${a.path}` : sh`${backup(a.path)}; rm -rf -- ${a.path} && : > ${a.path}`;
      const attrs = attrChanges(a.path, { exists: false }, a);
      return [{ summary: `replace ${now.type} ${a.path} with a ${want}`, steps: [create, ...attrs.steps], invalidates: [key] }];
    }
    if (!now.exists) {
      if (a.state === 'file') throw new Error(`${a.path} does not exist; use state: touch to create it, or copy to give it content`);
      const create = want === 'directory' ? sh`${backup(a.path)}; mkdir -p -- ${a.path}` : sh`${backup(a.path)}; : >> ${a.path}`;
      const attrs = attrChanges(a.path, { exists: false }, a);
      return [{ summary: `create ${want} ${a.path}${attrs.summary.length ? ` (${attrs.summary.join(', ')})` : ''}`, steps: [create, ...attrs.steps], invalidates: [key] }];
    }
    const attrs = attrChanges(a.path, now, a);
    if (attrs.steps.length === 0) return { ok: `${a.path} is a ${want} with the wanted attributes` };
    return [{ summary: `${a.path}: ${attrs.summary.join(', ')}`, steps: attrs.steps, invalidates: [key] }];
  },
});
