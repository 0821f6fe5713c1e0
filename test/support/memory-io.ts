// The CLI's IO in memory, for running the CLI in-process: what it printed, per stream.
import { PassThrough } from 'node:stream';
import type { CliIO } from '../../src/cli/io.js';

export function memoryIO(cwd = '/'): { text: { out: string; err: string }; io: CliIO } {
  const out = new PassThrough();
  const err = new PassThrough();
  const text = { out: '', err: '' };
  out.on('data', (d) => (text.out += d));
  err.on('data', (d) => (text.err += d));
  return { text, io: { stdout: out as unknown as NodeJS.WriteStream, stderr: err as unknown as NodeJS.WriteStream, stdin: new PassThrough() as unknown as NodeJS.ReadStream, env: {}, cwd } };
}
