// Controller-side files (plan files, the journal, reports) are replaced whole: written to a temp file
// beside them, then renamed, so a reader or an interrupted run never sees half of one.
// They can hold old contents of 0600 host files (diffs, backups' paths, errors): always 0600, the
// temp file too from its creation (O_EXCL, an unpredictable name: nothing planted there is followed).
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { closeSync, fchmodSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';

export const PRIVATE_FILE_MODE = 0o600;

export function writeFileAtomic(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    const fd = openSync(tmp, 'wx', PRIVATE_FILE_MODE);
    try {
      // a strict umask (0277) must not leave the owner without write access to the replacement
      fchmodSync(fd, PRIVATE_FILE_MODE);
      writeFileSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
