// What a path holds: type, mode, owner, and (for regular files up to a limit) the exact content.
import { createHash } from 'node:crypto';
import { sh } from '../shell/sh.js';
import { carrying, shellReadingFd3 } from '../shell/stdin-command.js';
import type { Fact } from '../types.js';
import { fileBatch } from './file-batch.js';

export const MAX_CONTENT = 16 * 1024 * 1024;
const BATCH = fileBatch(MAX_CONTENT);

export type FileState =
  | { exists: false }
  | {
      exists: true;
      /** of what the path resolves to: a symlink is followed (see `link`) */
      type: 'file' | 'directory' | 'symlink' | 'other';
      mode: string;
      owner: string;
      group: string;
      /** numeric ids, so `owner: '1000'` compares equal to the name */
      uid?: number;
      gid?: number;
      size: number;
      /** regular files up to MAX_CONTENT, exact bytes as utf8 text */
      content?: string;
      binary?: boolean;
      /** the path is a symlink to this absolute path: writes go there, so the link survives */
      link?: string;
    };

const TYPES: Record<string, 'file' | 'directory' | 'symlink'> = { 'regular file': 'file', 'regular empty file': 'file', directory: 'directory', 'symbolic link': 'symlink' };

/** Probe output, one record per line so nothing depends on trailing newlines:
 *    `absent`                                   nothing there (or a dangling symlink)
 *    `stat:TYPE|MODE|OWNER|GROUP|SIZE|UID|GID`  of the path, symlinks followed
 *    `link:BASE64`                              the resolved target, when the path is a symlink
 *    `content:BASE64`                           regular files up to MAX_CONTENT
 *  One stat for everything (the size test reads its output with shell patterns) and no subshell
 *  (inline): every process here is paid per file, per host, in every gather. */
export function fileFact(path: string): Fact<FileState> {
  return {
    key: `file:${path}`,
    inline: true,
    batch: { program: BATCH, arg: path },
    probe: sh`if [ -e ${path} ] && fleet_s=$(stat -L -c '%F|%a|%U|%G|%s|%u|%g' -- ${path}); then
echo "stat:$fleet_s"
if [ -L ${path} ]; then printf 'link:'; readlink -f -- ${path} | base64 -w0; echo; fi
case $fleet_s in 'regular file|'* | 'regular empty file|'*)
  fleet_n=\${fleet_s#*|*|*|*|}
  if [ "\${fleet_n%%|*}" -le ${MAX_CONTENT} ]; then printf 'content:'; base64 -w0 < ${path}; echo; fi
esac
else echo absent; fi`,
    parse: parseFileProbe,
  };
}

export function parseFileProbe(out: string): FileState {
  const rec = new Map<string, string>();
  for (const line of out.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) rec.set(line.slice(0, colon), line.slice(colon + 1));
  }
  const head = rec.get('stat');
  if (head === undefined) return { exists: false };
  const [type = '', mode = '', owner = '', group = '', size = '0', uid, gid] = head.split('|');
  const t = TYPES[type] ?? 'other';
  const state: FileState = { exists: true, type: t, mode: mode.padStart(4, '0'), owner, group, size: Number(size) };
  if (uid !== undefined && uid !== '') state.uid = Number(uid);
  if (gid !== undefined && gid !== '') state.gid = Number(gid);
  const link = rec.get('link');
  if (link) state.link = Buffer.from(link, 'base64').toString('utf8').replace(/\n$/, '');
  const b64 = rec.get('content');
  if (t === 'file' && b64 !== undefined) {
    const buf = Buffer.from(b64, 'base64');
    state.content = buf.toString('utf8');
    state.binary = buf.includes(0) || !Buffer.from(state.content, 'utf8').equals(buf);
  }
  return state;
}

export function pathExistsFact(path: string): Fact<boolean> {
  return { key: `exists:${path}`, inline: true, probe: sh`[ -e ${path} ]`, parse: (_out, code) => code === 0 };
}

/** A shell probe's success, for `unless`, optionally run in a directory. The key hashes both: the
 *  same probe in two tasks runs once. */
export function commandSucceedsFact(script: string, cwd?: string): Fact<boolean> {
  const id = createHash('sha256').update(`${cwd ?? ''}\0${script}`).digest('hex').slice(0, 16);
  // the probe's text reaches its shell on fd 3, never as an argument (stdin-command.ts)
  const run = sh`${shellReadingFd3} >/dev/null 2>&1 </dev/null`;
  return { key: `succeeds:${id}`, probe: carrying(cwd ? sh`cd ${cwd} && ${run}` : run, script), inline: !cwd, parse: (_out, code) => code === 0 };
}
