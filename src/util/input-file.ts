// Reading a file the user named (playbook, inventory, vars, plan, a task's source file): only a
// regular file. A directory, a FIFO (whose open would wait for a writer forever), a device or a
// socket is refused in one line naming it, before it is opened: opening some devices does things.
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync, type Stats } from 'node:fs';
import { FleetError, invalid } from '../errors.js';

const kindOf = (s: Stats): string =>
  s.isDirectory() ? 'a directory' : s.isFIFO() ? 'a FIFO (named pipe)' : s.isCharacterDevice() ? 'a character device' : s.isBlockDevice() ? 'a block device' : s.isSocket() ? 'a socket' : 'not a regular file';

export interface InputFileOptions {
  /** larger files are refused (bytes) */
  maxBytes?: number;
  /** said after "is a directory" */
  directoryHint?: string;
}

const mib = (n: number): string => (n / 1048576).toFixed(n < 10 * 1048576 && n % 1048576 ? 1 : 0);

const why = (e: unknown): string => ((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (e as Error).message);

/** The bytes of `file`, which must be a regular file (links to one are fine). `what`: "playbook". */
export function readInputFile(file: string, what: string, o: InputFileOptions = {}): Buffer {
  const refuse = (s: Stats) => {
    if (!s.isFile()) throw invalid(`${what} ${file} is ${kindOf(s)}${s.isDirectory() && o.directoryHint ? `; ${o.directoryHint}` : ''}; give a file`);
    if (o.maxBytes !== undefined && s.size > o.maxBytes) throw invalid(`${what} ${file} is ${mib(s.size)} MiB; the limit is ${mib(o.maxBytes)} MiB`);
  };
  let fd: number;
  try {
    refuse(statSync(file));
    // O_NONBLOCK: if it was swapped for a FIFO since the stat, the open does not wait (fstat refuses it)
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if (e instanceof FleetError) throw e;
    throw invalid(`cannot read ${what} ${file}: ${why(e)}`);
  }
  try {
    refuse(fstatSync(fd));
    return readFileSync(fd);
  } catch (e) {
    if (e instanceof FleetError) throw e;
    throw invalid(`cannot read ${what} ${file}: ${why(e)}`);
  } finally {
    closeSync(fd);
  }
}
