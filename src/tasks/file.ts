import { defineTask } from '../types.js';
import { bool, doc, mode, object, oneOf, optional, withDefault, plain } from '../schema/schema.js';
import { backup, sh } from '../shell/sh.js';
import { fileFact, fileKey } from '../facts/file.js';
import { attrChanges } from './lib/file-attrs.js';

export const fileTask = defineTask({
  type: 'file',
  description: 'A directory, a file or nothing at a path, with mode, owner and group. Never replaces a path of the wrong type unless forced; a symlink at the path is the link itself unless follow is set.',
  args: object({
    path: doc(plain(), 'the path'),
    state: doc(withDefault(oneOf(['file', 'directory', 'absent', 'touch']), 'file'), "'file' requires an existing regular file; 'touch' creates an empty one if missing"),
    mode: doc(optional(mode()), "octal mode, quoted: '0644'"),
    owner: doc(optional(plain()), 'owner user name'),
    group: doc(optional(plain()), 'group name'),
    force: doc(withDefault(bool(), false), 'replace a path of the wrong type (deletes it; a symlink: the link, never what it points to)'),
    follow: doc(withDefault(bool(), false), "where path is a symlink, manage what it points to (unlike Ansible's file, not the default: fleet never follows a link another user owns)"),
  }),
  facts: (a) => ({ now: fileFact(a.path, { follow: a.follow }) }),
  plan(a, { now }) {
    if (!now.exists && now.unsafe) throw new Error(`${a.path}: fleet does not go through ${now.unsafe}, who could point it anywhere (only root's and the become user's links are followed)`);
    // following a symlink, the file managed is where it points, and the plan says so
    const path = a.follow && now.exists && now.link ? now.link : a.path;
    const shown = path === a.path ? path : `${path} (through the symlink ${a.path})`;
    const invalidates = path === a.path ? [fileKey(a.path, a.follow)] : [fileKey(a.path, a.follow), fileKey(path)];
    if (a.state === 'absent') {
      if (!now.exists) return { ok: `${a.path} is absent` };
      // a symlink goes, never what it points to (`rm -rf link` without a trailing slash is the link)
      if (now.link) return [{ summary: `remove symlink ${a.path} (to ${now.link})`, steps: [backup(a.path), sh`rm -f -- ${a.path}`], invalidates }];
      return [{ summary: `remove ${now.type} ${a.path}`, steps: [backup(a.path), now.type === 'directory' ? sh`rm -rf -- ${a.path}` : sh`rm -f -- ${a.path}`], invalidates }];
    }
    const want = a.state === 'directory' ? 'directory' : 'file';
    // a new file is created by an O_EXCL open (noclobber): never through a link left there since
    const touch = sh`(set -C; : > ${a.path})`;
    if (now.exists && now.type !== want) {
      const hint = now.type === 'symlink' ? ` (to ${now.link ?? '?'}); set follow: true to manage what it points to, or force: true to replace the link` : '; set force: true to replace it (its content is lost)';
      if (!a.force) throw new Error(`${a.path} is a ${now.type}, not a ${want}${hint}`);
      const create = want === 'directory' ? sh`${backup(a.path)}; rm -rf -- ${a.path} && mkdir -p -- ${a.path}` : sh`${backup(a.path)}; rm -rf -- ${a.path} && ${touch}`;
      const attrs = attrChanges(a.path, { exists: false }, a);
      return [{ summary: `replace ${now.type} ${a.path} with a ${want}`, steps: [create, ...attrs.steps], invalidates }];
    }
    if (!now.exists) {
      if (a.state === 'file') throw new Error(`${a.path} does not exist; use state: touch to create it, or copy to give it content`);
      const create = want === 'directory' ? sh`${backup(a.path)}; mkdir -p -- ${a.path}` : sh`${backup(a.path)}; ${touch}`;
      const attrs = attrChanges(a.path, { exists: false }, a);
      return [{ summary: `create ${want} ${a.path}${attrs.summary.length ? ` (${attrs.summary.join(', ')})` : ''}`, steps: [create, ...attrs.steps], invalidates }];
    }
    const attrs = attrChanges(path, now, a);
    if (attrs.steps.length === 0) return { ok: `${shown} is a ${want} with the wanted attributes` };
    return [{ summary: `${shown}: ${attrs.summary.join(', ')}`, steps: attrs.steps, invalidates }];
  },
});
