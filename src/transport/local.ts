// `connection: local`: the same contract as SSH, run with /bin/sh on this machine.
import { spawn } from 'node:child_process';
import { TransportError, type ExecOptions, type ExecResult, type Transport } from './transport.js';

export class LocalTransport implements Transport {
  readonly target = 'local';
  execCount = 0;
  constructor(private readonly commandTimeoutMs = 10 * 60_000) {}

  async connect(): Promise<void> {}

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.execCount++;
    return new Promise((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', command], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      const timeoutMs = opts.timeoutMs ?? this.commandTimeoutMs;
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {}
        reject(new TransportError('timeout', `command timed out after ${Math.round(timeoutMs / 1000)} s on this machine`));
      }, timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new TransportError('unreachable', `cannot run /bin/sh: ${e.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code, signal: signal ?? undefined });
      });
      child.stdin.on('error', () => {}); // a command that does not read its stdin
      child.stdin.end(opts.stdin ?? '');
    });
  }

  async close(): Promise<void> {}
}
