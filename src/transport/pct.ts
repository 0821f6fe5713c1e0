// An LXC guest of a Proxmox node, reached by `pct exec` over the node's own SSH connection (the
// guest needs no sshd, no account, no network path from the controller). The command line on the
// node is always the same stub: fleet's command and its input travel on stdin, so the node's
// process list shows no script and no secret.
import { quote } from '../shell/sh.js';
import type { SessionGate } from './session-gate.js';
import { TransportError, type ExecOptions, type ExecResult, type Transport } from './transport.js';

export interface PctTarget {
  vmid: number;
  /** the node's inventory name, for messages */
  node: string;
  /** run pct through `sudo -n` on the node (the node login is not root) */
  sudo: boolean;
}

/** Reads a line count, that many lines (the command), then runs the command with the rest of
 *  stdin. `read` takes one byte at a time from a pipe, so nothing meant for the command is lost. */
export const PCT_STUB = `IFS= read -r n || exit 97; c=; while [ "$n" -gt 0 ]; do IFS= read -r l || exit 97; c="$c$l
"; n=$((n-1)); done; eval "$c"`;

// pve-container: `die "container '$vmid' not running!\n"` (older: "CT $vmid not running"); a die in
// pct exits 255
const NOT_RUNNING = /^(?:container '\d+' not running!|CT \d+ not running)$/m;
const NO_CONFIG = /^Configuration file '[^']*' does not exist$/m;
const NO_CHANNEL = /cannot open a session channel/;

export class PctTransport implements Transport {
  readonly target: string;
  execCount = 0;
  private readonly line: string;

  constructor(
    private readonly node: Transport,
    private readonly ct: PctTarget,
    private readonly gate: SessionGate,
  ) {
    this.target = `pct ${ct.vmid} on ${ct.node}`;
    this.line = `${ct.sudo ? 'sudo -n -- ' : ''}pct exec ${quote(ct.vmid)} -- /bin/sh -c ${quote(PCT_STUB)}`;
  }

  connect(): Promise<void> {
    return this.node.connect();
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.execCount++;
    const lines = command.split('\n');
    const head = Buffer.from(`${lines.length}\n${command}\n`);
    const stdin = opts.stdin === undefined ? head : Buffer.concat([head, Buffer.from(opts.stdin)]);
    const r = await this.run(stdin, opts.timeoutMs);
    if (r.code === 255 && NOT_RUNNING.test(r.stderr)) throw new TransportError('unreachable', `CT ${this.ct.vmid} is stopped on node ${this.ct.node}`);
    if (r.code === 255 && NO_CONFIG.test(r.stderr)) throw new TransportError('config', `CT ${this.ct.vmid} does not exist on node ${this.ct.node}`);
    if (r.code === 127 && /pct: (?:command )?not found/.test(r.stderr)) throw new TransportError('config', `node ${this.ct.node} has no pct command (not a Proxmox node?)`);
    if (this.ct.sudo && r.code === 1 && /^sudo: /m.test(r.stderr) && r.stdout === '') throw new TransportError('auth', `node ${this.ct.node}: sudo for pct failed: ${r.stderr.trim().split('\n')[0]}`);
    return r;
  }

  private async run(stdin: Buffer, timeoutMs: number | undefined): Promise<ExecResult> {
    for (;;) {
      await this.gate.acquire();
      try {
        return await this.node.exec(this.line, { stdin, timeoutMs });
      } catch (e) {
        // sshd allows fewer sessions than the gate: no command started, wait for a slot and retry
        if (!(e instanceof TransportError && NO_CHANNEL.test(e.message) && this.gate.othersActive)) throw e;
        this.gate.shrinkTo(this.gate.limit - 1);
      } finally {
        this.gate.release();
      }
    }
  }

  /** the node's connection is shared; the pool closes it */
  async close(): Promise<void> {}
}
