// Mode/owner/group changes shared by every task that manages a path.
import { setAttrs, type Script } from '../../shell/sh.js';
import type { FileState } from '../../facts/file.js';

export interface Attrs {
  mode?: string;
  owner?: string;
  group?: string;
}

/** Summaries and steps to bring a path's attributes to `want` (empty when right). `now` is of
 *  `path` itself: a symlink's owner and mode are never changed through it (a link's mode is not
 *  its own, and its owner is rarely what anyone means). */
export function attrChanges(path: string, now: FileState, want: Attrs): { summary: string[]; steps: Script[] } {
  const summary: string[] = [];
  if (!now.exists && now.unsafe) throw new Error(`${path}: fleet does not go through ${now.unsafe}, who could point it anywhere (only root's and the become user's links are followed)`);
  const change: Attrs = {};
  const cur = now.exists ? now : undefined;
  if (want.mode && cur?.mode !== want.mode) {
    summary.push(`mode ${cur?.mode ?? '(new)'} -> ${want.mode}`);
    change.mode = want.mode;
  }
  if (want.owner && !same(want.owner, cur?.owner, cur?.uid)) {
    summary.push(`owner ${cur?.owner ?? '(new)'} -> ${want.owner}`);
    change.owner = want.owner;
  }
  if (want.group && !same(want.group, cur?.group, cur?.gid)) {
    summary.push(`group ${cur?.group ?? '(new)'} -> ${want.group}`);
    change.group = want.group;
  }
  if (summary.length && now.exists && now.type === 'symlink') throw new Error(`${path} is a symlink${now.link ? ` to ${now.link}` : ''}: fleet does not change the owner or mode of what a link points to unless the task says follow: true`);
  return { summary, steps: summary.length ? [setAttrs(path, change)] : [] };
}

/** A user or group given by name or by number. */
function same(want: string, name: string | undefined, id: number | undefined): boolean {
  return want === name || (id !== undefined && want === String(id));
}
