// `connection: local`: the same contract as SSH, run with /bin/sh on this machine.
import { spawn } from 'node:child_process';
import { DEFAULT_MAX_OUTPUT_BYTES, tooMuchOutput, TransportError, type ExecOptions, type ExecResult, type Transport } from './transport.js';

const DEFAULT_COMMAND_TIMEOUT_MS = 10 * 60_000;

export class LocalTransport implements Transport {
  readonly target = 'local';
  execCount = 0;
  constructor(
    private readonly commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
    private readonly maxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES,
  ) {}

  async connect(): Promise<void> {}

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.execCount++;
    const timeoutMs = opts.timeoutMs ?? this.commandTimeoutMs;
    return new Promise((resolve, reject) => {
      // its own session and process group, so a timeout kills the command's children too
      const child = spawn('/bin/sh', ['-c', command], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let size = 0;
      let done = false;
      /** give up on the command: what it started (opts.abandon), then its group, then fail */
      const abandon = (e: TransportError) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        child.stdout.pause();
        child.stderr.pause();
        void (opts.abandon?.() ?? Promise.resolve())
          .catch(() => undefined)
          .then(() => {
            try {
              if (child.pid) process.kill(-child.pid, 'SIGKILL');
            } catch {} // already gone
            // a grandchild holding stdout open must not keep 'close' (and us) waiting
            child.stdout.destroy();
            child.stderr.destroy();
            reject(e);
          });
      };
      const take = (into: Buffer[]) => (d: Buffer) => {
        if (done) return;
        size += d.length;
        if (size > this.maxOutputBytes) {
          out.length = err.length = 0;
          return abandon(tooMuchOutput('local', this.maxOutputBytes));
        }
        into.push(d);
      };
      child.stdout.on('data', take(out));
      child.stderr.on('data', take(err));
      const timer = setTimeout(() => abandon(new TransportError('timeout', `local: command timed out after ${Math.round(timeoutMs / 100) / 10} s`)), timeoutMs);
      child.on('error', (e) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        reject(new TransportError('unreachable', `local: cannot run /bin/sh: ${e.message}`, { cause: e }));
      });
      child.on('close', (code, signal) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code, signal: signal ?? undefined });
      });
      child.stdin.on('error', () => {}); // a command that does not read its stdin (EPIPE)
      child.stdin.end(opts.stdin ?? '');
    });
  }

  async close(): Promise<void> {}
}
