// Adding lines to a known_hosts file: plain or hashed names (as `ssh-keygen -H`), appended
// atomically — a temp file in the same directory with the old content, mode and owner, then a
// rename — so a crash or a full disk never leaves a half-written file that OpenSSH would reject.
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { keyTypeOf } from './known-hosts.js';

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`: OpenSSH's hashed host name. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

export function knownHostsLine(name: string, keyBlob: Buffer, hash: boolean): string {
  return `${hash ? hashHostName(name) : name} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}`;
}

/** Append `lines` to `file` atomically (created 0644, its directory 0700, when missing). */
export function appendKnownHosts(file: string, lines: readonly string[]): void {
  if (!lines.length) return;
  // through a symlink: replace the file it points to, not the link
  const path = existsSync(file) ? realpathSync(file) : file;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const st = existsSync(path) ? statSync(path) : undefined;
  const tmp = join(dirname(path), `.${basename(path)}.fleet-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, `${old}${old && !old.endsWith('\n') ? '\n' : ''}${lines.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, st ? st.mode & 0o7777 : 0o644);
    if (st && (st.uid !== process.getuid?.() || st.gid !== process.getgid?.())) {
      try {
        chownSync(tmp, st.uid, st.gid);
      } catch {
        // not root: the new file is ours, as any file we write
      }
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
