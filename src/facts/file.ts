// What a path holds: type, mode, owner, and (for regular files up to a limit) the exact content.
// A symlink at the path is reported as the link itself unless the fact follows it; no symlink on
// the way that another user owns is ever followed (that user could point it anywhere).
import { createHash } from 'node:crypto';
import { sh } from '../shell/sh.js';
import { carrying, shellReadingFd3 } from '../shell/stdin-command.js';
import type { Fact } from '../types.js';
import { fileBatch } from './file-batch.js';

export const MAX_CONTENT = 16 * 1024 * 1024;
const BATCH = fileBatch(MAX_CONTENT);

export type FileState =
  | {
      exists: false;
      /** fleet did not look: the path leads through a symlink that another user owns (the link and
       *  its owner's uid); nothing at such a path is read or written */
      unsafe?: string;
    }
  | {
      exists: true;
      /** 'symlink': the path is a link that the fact did not follow (see `link`) */
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
      /** sha256 of the exact bytes, where `content` cannot carry them (binary) */
      sha256?: string;
      /** the path is a symlink to this absolute path (followed or not, see `type`) */
      link?: string;
    };

const TYPES: Record<string, 'file' | 'directory' | 'symlink'> = { 'regular file': 'file', 'regular empty file': 'file', directory: 'directory', 'symbolic link': 'symlink' };

/** The fact's key: facts that follow a link and those that do not are different values. */
export const fileKey = (path: string, follow = false): string => (follow ? `file+follow:${path}` : `file:${path}`);

/** The directories leading to `path` as given (and the path itself when following): the links
 *  among them are the ones whose owner the probe checks. */
export function prefixes(path: string, withLast: boolean): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 0; i < parts.length - (withLast ? 0 : 1); i++) {
    if (parts[i] !== '' && parts[i] !== '.') out.push(parts.slice(0, i + 1).join('/'));
  }
  return out;
}

/** Probe output, one record per line so nothing depends on trailing newlines:
 *    `absent`                                   nothing there (following: or a dangling symlink)
 *    `unsafe:UID|BASE64`                        a symlink on the way owned by another user: nothing read
 *    `stat:TYPE|MODE|OWNER|GROUP|SIZE|UID|GID`  of the path (of its target when following)
 *    `link:BASE64`                              the resolved target, when the path is a symlink
 *    `content:BASE64`                           regular files up to MAX_CONTENT
 *  One stat for everything (the size test reads its output with shell patterns) and no subshell
 *  (inline): every process here is paid per file, per host, in every gather. Links on the way cost
 *  a stat each (and one `id -u` per gather); the perl batch (file-batch.ts) also checks the links
 *  that those links lead through. */
export function fileFact(path: string, opts: { follow?: boolean } = {}): Fact<FileState> {
  const follow = opts.follow === true;
  const links = prefixes(path, follow);
  const walk = links.length
    ? sh`fleet_x=
for fleet_q in ${links}; do
  if [ -L "$fleet_q" ]; then fleet_o=$(stat -c %u -- "$fleet_q"); fleet_me=\${fleet_me:-$(id -u)}
    case $fleet_o in 0 | "$fleet_me") ;; *) fleet_x=$fleet_o; break ;; esac
  fi
done
if [ -n "$fleet_x" ]; then printf 'unsafe:%s|' "$fleet_x"; printf %s "$fleet_q" | base64 -w0; echo
el`
    : sh``;
  return {
    key: fileKey(path, follow),
    inline: true,
    batch: { program: BATCH, arg: `${follow ? 1 : 0}${path}` },
    probe: sh`${walk}if [ -e ${path} ${follow ? sh`` : sh`-o -L ${path}`} ] && fleet_s=$(stat ${follow ? sh`-L ` : sh``}-c '%F|%a|%U|%G|%s|%u|%g' -- ${path}); then
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
  const unsafe = rec.get('unsafe');
  if (unsafe !== undefined) {
    const [uid = '', b64 = ''] = unsafe.split('|');
    return { exists: false, unsafe: `${Buffer.from(b64, 'base64').toString('utf8')} is a symlink owned by uid ${uid}` };
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
    if (!Buffer.from(state.content, 'utf8').equals(buf)) state.sha256 = sha256(buf);
  }
  return state;
}

export const sha256 = (v: string | Buffer): string => createHash('sha256').update(v).digest('hex');

/** What the file held when it was looked at, for the write's compare-before-replace: `absent`,
 *  the sha256 of its bytes, or undefined where that is not known (too large to read). */
export function contentId(now: FileState): string | undefined {
  if (!now.exists) return 'absent';
  if (now.type !== 'file') return undefined;
  return now.sha256 ?? (now.content !== undefined ? sha256(now.content) : undefined);
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
