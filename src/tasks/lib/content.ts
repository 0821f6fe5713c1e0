// The shared path for every task that writes a whole file: diff, atomic replace, optional backup
// and validation, then attributes. One implementation for copy, template, lineinfile, blockinfile
// and json_file.
import { sh, atomicWrite, type Script } from '../../shell/sh.js';
import type { FileState } from '../../facts/file.js';
import { MAX_CONTENT } from '../../facts/file.js';
import type { Plan } from '../../types.js';
import { attrChanges, type Attrs } from './file-attrs.js';

export interface WriteOptions extends Attrs {
  backup?: boolean;
  validate?: string;
}

const DIFF_LIMIT = 256 * 1024;

export function currentText(path: string, now: FileState): string | undefined {
  if (!now.exists) return undefined;
  if (now.type !== 'file') throw new Error(`${path} exists but is a ${now.type}, not a regular file`);
  if (now.content === undefined) throw new Error(`${path} is larger than ${MAX_CONTENT / 1048576} MiB; fleet does not manage files that large`);
  return now.content;
}

export function planContent(path: string, now: FileState, after: string, opts: WriteOptions): Plan {
  const before = currentText(path, now);
  if (before !== after) {
    const steps: Script[] = [];
    if (opts.backup && before !== undefined) steps.push(sh`cp -p ${path} ${path}."$(date +%Y%m%d%H%M%S)"~`);
    steps.push(atomicWrite(path, after, opts.mode ?? (before === undefined ? '0644' : undefined), opts.validate));
    if (opts.owner) steps.push(sh`chown ${opts.owner} ${path}`);
    if (opts.group) steps.push(sh`chgrp ${opts.group} ${path}`);
    const big = after.length > DIFF_LIMIT || (before?.length ?? 0) > DIFF_LIMIT || (now.exists && now.binary) || after.includes('\0');
    return [{
      summary: before === undefined ? `create ${path}` : `update ${path}${big ? ' (binary or large: no diff shown)' : ''}`,
      diff: big ? undefined : { path, before: before ?? '', after },
      steps,
      invalidates: [`file:${path}`],
      predicts: { [`file:${path}`]: predicted(now, after, opts) },
    }];
  }
  const attrs = attrChanges(path, now, opts);
  if (attrs.steps.length) return [{ summary: `${path}: ${attrs.summary.join(', ')}`, steps: attrs.steps, invalidates: [`file:${path}`], predicts: { [`file:${path}`]: predicted(now, before ?? '', opts) } }];
  return { ok: `${path} is up to date` };
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
  };
}
