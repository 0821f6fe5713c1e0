// Mode/owner/group changes shared by every task that manages a path.
import { setAttrs, type Script } from '../../shell/sh.js';
import type { FileState } from '../../facts/file.js';

export interface Attrs {
  mode?: string;
  owner?: string;
  group?: string;
}

/** Summaries and steps to bring a path's attributes to `want` (empty when right). */
export function attrChanges(path: string, now: FileState, want: Attrs): { summary: string[]; steps: Script[] } {
  const summary: string[] = [];
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
  return { summary, steps: summary.length ? [setAttrs(path, change)] : [] };
}

/** A user or group given by name or by number. */
function same(want: string, name: string | undefined, id: number | undefined): boolean {
  return want === name || (id !== undefined && want === String(id));
}
