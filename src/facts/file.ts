// What a path holds: type, mode, owner, and (for regular files up to a limit) the exact content.
import { createHash } from 'node:crypto';
import { sh } from '../shell/sh.js';
import type { Fact } from '../types.js';

export const MAX_CONTENT = 16 * 1024 * 1024;

export type FileState =
  | { exists: false }
  | {
      exists: true;
      type: 'file' | 'directory' | 'symlink' | 'other';
      mode: string;
      owner: string;
      group: string;
      size: number;
      /** regular files up to MAX_CONTENT, exact bytes as utf8 text */
      content?: string;
      binary?: boolean;
    };

const TYPES: Record<string, 'file' | 'directory' | 'symlink'> = { 'regular file': 'file', 'regular empty file': 'file', directory: 'directory', 'symbolic link': 'symlink' };

export function fileFact(path: string): Fact<FileState> {
  return {
    key: `file:${path}`,
    probe: sh`if [ -e ${path} ]; then stat -L -c '%F|%a|%U|%G|%s' -- ${path}; if [ -f ${path} ] && [ "$(stat -L -c %s -- ${path})" -le ${MAX_CONTENT} ]; then base64 -w0 < ${path}; fi; else echo absent; fi`,
    parse(out) {
      const nl = out.indexOf('\n');
      const head = nl < 0 ? out : out.slice(0, nl);
      if (head === 'absent' || head === '') return { exists: false };
      const [type = '', mode = '', owner = '', group = '', size = '0'] = head.split('|');
      const b64 = nl < 0 ? '' : out.slice(nl + 1).trim();
      const t = TYPES[type] ?? 'other';
      const state: FileState = { exists: true, type: t, mode: mode.padStart(4, '0'), owner, group, size: Number(size) };
      if (t === 'file' && (b64 !== '' || Number(size) === 0)) {
        const buf = Buffer.from(b64, 'base64');
        state.content = buf.toString('utf8');
        state.binary = buf.includes(0) || !Buffer.from(state.content, 'utf8').equals(buf);
      }
      return state;
    },
  };
}

export function pathExistsFact(path: string): Fact<boolean> {
  return { key: `exists:${path}`, probe: sh`[ -e ${path} ]`, parse: (_out, code) => code === 0 };
}

/** A shell probe's success, for `unless`. */
export function commandSucceedsFact(script: string): Fact<boolean> {
  const id = createHash('sha256').update(script).digest('hex').slice(0, 16);
  return { key: `succeeds:${id}`, probe: sh`sh -c ${script} >/dev/null 2>&1`, parse: (_out, code) => code === 0 };
}
