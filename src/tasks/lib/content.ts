// The shared path for every task that writes a whole file: diff, atomic replace, optional backup
// and validation, then attributes. One implementation for copy, template, lineinfile, blockinfile
// and json_file.
import { sh, atomicWrite, setAttrs, type Script } from '../../shell/sh.js';
import type { FileState } from '../../facts/file.js';
import { contentId, fileKey, MAX_CONTENT } from '../../facts/file.js';
import type { Plan } from '../../types.js';
import { bool, doc, mode, oneOf, optional, SchemaError, string, withDefault, type Path } from '../../schema/schema.js';
import { attrChanges, type Attrs } from './file-attrs.js';

export interface WriteOptions extends Attrs {
  backup?: boolean;
  validate?: string;
  /** `now` follows a symlink at the path (fileFact's follow): write where it points */
  follow?: boolean;
}

/** Refuse a path fleet must not act on: one that leads through another user's symlink, or a
 *  symlink itself where the task does not follow it. */
export function checkPath(path: string, now: FileState, what = 'write'): void {
  if (!now.exists && now.unsafe) throw new Error(`${path}: fleet does not go through ${now.unsafe}, who could point it anywhere (only root's and the become user's links are followed)`);
  if (now.exists && now.type === 'symlink') {
    throw new Error(`${path} is a symlink${now.link ? ` to ${now.link}` : ''}: fleet does not ${what} through a link unless the task says follow: true (where it has that argument); or replace the link by the file yourself`);
  }
}

const DIFF_LIMIT = 256 * 1024;

export function currentText(path: string, now: FileState): string | undefined {
  checkPath(path, now);
  if (!now.exists) return undefined;
  if (now.type !== 'file') throw new Error(`${path} exists but is a ${now.type}, not a regular file`);
  if (now.content === undefined) throw new Error(`${path} is larger than ${MAX_CONTENT / 1048576} MiB; fleet does not manage files that large`);
  return now.content;
}

export function planContent(path: string, now: FileState, after: string, opts: WriteOptions): Plan {
  const before = currentText(path, now);
  if (Buffer.byteLength(after) > MAX_CONTENT) throw new Error(`the new content of ${path} is larger than ${MAX_CONTENT / 1048576} MiB; fleet does not manage files that large`);
  // following a symlink (follow: true), the file written is where it points, and the plan says so
  const target = opts.follow && now.exists && now.link ? now.link : path;
  const shown = target === path ? path : `${target} (through the symlink ${path})`;
  const key = fileKey(path, opts.follow);
  const invalidates = target === path ? [key] : [key, fileKey(target)];
  const attrs = attrChanges(target, now, opts);
  const predicts = { [key]: predicted(now, after, opts) };
  if (before !== after) {
    const steps: Script[] = [];
    // the copy is a new file (never written through a link someone left at that name)
    if (opts.backup && before !== undefined) steps.push(sh`cp -p --remove-destination ${target} ${target}."$(date +%Y%m%d%H%M%S)"~`);
    steps.push(atomicWrite(target, after, opts.mode ?? (before === undefined ? '0644' : undefined), opts.validate, contentId(now)));
    if (opts.owner || opts.group) steps.push(setAttrs(target, { owner: opts.owner, group: opts.group }));
    const big = after.length > DIFF_LIMIT || (before?.length ?? 0) > DIFF_LIMIT || (now.exists && now.binary) || after.includes('\0');
    const notes = [...(before === undefined ? [] : attrs.summary), ...(big ? ['binary or large: no diff shown'] : [])];
    return [{
      summary: `${before === undefined ? 'create' : 'update'} ${shown}${notes.length ? ` (${notes.join(', ')})` : ''}`,
      diff: big ? undefined : { path: target, before: before ?? '', after },
      steps,
      invalidates,
      predicts,
    }];
  }
  if (attrs.steps.length) return [{ summary: `${shown}: ${attrs.summary.join(', ')}`, steps: attrs.steps, invalidates, predicts }];
  return { ok: `${shown} is up to date` };
}

/** The file as it will be after the write. Owner and group of a new file are whoever runs the
 *  step unless given: left empty, which no plan compares against. */
function predicted(now: FileState, content: string, opts: WriteOptions): FileState {
  const cur = now.exists ? now : undefined;
  return {
    exists: true,
    type: 'file',
    mode: opts.mode ?? cur?.mode ?? '0644',
    owner: opts.owner ?? cur?.owner ?? '',
    group: opts.group ?? cur?.group ?? '',
    size: Buffer.byteLength(content),
    content,
    binary: false,
    ...(opts.owner === undefined && cur?.uid !== undefined ? { uid: cur.uid } : {}),
    ...(opts.group === undefined && cur?.gid !== undefined ? { gid: cur.gid } : {}),
    ...(cur?.link ? { link: cur.link } : {}),
  };
}

/** Arguments every in-place text edit (lineinfile, blockinfile) takes. */
export const textEditArgs = {
  state: doc(withDefault(oneOf(['present', 'absent']), 'present'), 'present or absent'),
  insertafter: doc(optional(string()), "where a new line or block goes: after the last line matching this regex, or 'EOF' (the default, also when nothing matches)"),
  insertbefore: doc(optional(string()), "where a new line or block goes: before the last line matching this regex, or 'BOF' (nothing matches: the end)"),
  create: doc(withDefault(bool(), false), 'create the file when missing'),
  mode: doc(optional(mode()), 'octal mode of the file'),
  backup: doc(withDefault(bool(), false), 'keep the previous file as PATH.<timestamp>~'),
  follow: doc(withDefault(bool(), false), 'where the path is a symlink, edit the file it points to (default: refuse; fleet never follows a link another user owns)'),
};

/** Argument checks shared by the text edits: regexes must compile (before any connection), and a
 *  new line goes either after or before something. */
export function checkTextEditArgs(a: Record<string, unknown>, path: Path, regexKeys: readonly string[]): void {
  if (a.insertafter !== undefined && a.insertbefore !== undefined) throw new SchemaError(path, 'give insertafter or insertbefore, not both');
  for (const k of regexKeys) {
    const v = a[k];
    if (typeof v !== 'string' || v === 'EOF' || v === 'BOF') continue;
    try {
      new RegExp(v);
    } catch (e) {
      throw new SchemaError([...path, k], `is not a valid regular expression: ${(e as Error).message}`);
    }
  }
}

/** Plan an edit of a text file's current content: a missing file is ok when removing, and is
 *  created only when asked. */
export function planTextEdit(path: string, now: FileState, a: { state: 'present' | 'absent'; create: boolean } & WriteOptions, edit: (text: string) => string): Plan {
  const before = currentText(path, now);
  if (before === undefined) {
    if (a.state === 'absent') return { ok: `${path} does not exist` };
    if (!a.create) throw new Error(`${path} does not exist; set create: true to create it`);
  }
  return planContent(path, now, edit(before ?? ''), a);
}
