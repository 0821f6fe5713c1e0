// The docker CLI, for what the lab does outside testcontainers: image builds, exec with stdin
// (checks independent of fleet), cleanup by label.
import { spawn } from 'node:child_process';

export interface CmdResult {
  stdout: string;
  stderr: string;
  code: number;
}

export function run(cmd: string, args: string[], opts: { stdin?: string | Buffer; input?: NodeJS.ReadableStream } = {}): Promise<CmdResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code: code ?? -1 }));
    child.stdin.on('error', () => {});
    if (opts.input) opts.input.pipe(child.stdin);
    else child.stdin.end(opts.stdin ?? '');
  });
}

export async function docker(args: string[], opts: { stdin?: string | Buffer } = {}): Promise<string> {
  const r = await run('docker', args, opts);
  if (r.code !== 0) throw new Error(`docker ${args.slice(0, 3).join(' ')} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** `docker exec -i ID sh -c CMD`: the lab's own view of a host, independent of fleet. */
export function dockerExec(id: string, cmd: string, stdin?: string): Promise<CmdResult> {
  return run('docker', ['exec', '-i', id, 'sh', '-c', cmd], { stdin });
}

export const LABEL = 'fleet.lab';

/** Remove one lab's containers (idempotent: none left is fine). */
export async function removeLabContainers(labId: string): Promise<number> {
  const ids = (await docker(['ps', '-aq', '--filter', `label=${LABEL}.id=${labId}`])).split('\n').filter(Boolean);
  if (ids.length) await run('docker', ['rm', '-f', '-v', ...ids]);
  return ids.length;
}
