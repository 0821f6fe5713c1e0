// The CLI's contact with the world, injectable so tests run the CLI in-process.
import { redact } from '../secrets/registry.js';

export interface CliIO {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const processIO = (): CliIO => ({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() });

export function writer(stream: NodeJS.WritableStream): (line: string) => void {
  return (line) => {
    // every line the CLI prints passes here: secret values never reach the terminal
    stream.write(`${redact(line)}\n`);
  };
}
