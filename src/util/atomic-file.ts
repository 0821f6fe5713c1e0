// Controller-side files (plan files, the journal, reports) are replaced whole: written to a temp file
// beside them, then renamed, so a reader or an interrupted run never sees half of one.
import { renameSync, rmSync, writeFileSync } from 'node:fs';

export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
