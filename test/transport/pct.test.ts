// PctTransport over a scripted node transport: one fixed command line on the node, fleet's command
// and input on stdin, pct's own errors mapped to unreachable/config, session slots queued.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PCT_STUB, PctTransport } from '../../src/transport/pct.js';
import { SessionGate } from '../../src/transport/session-gate.js';
import { TransportError, type ExecOptions, type ExecResult, type Transport } from '../../src/transport/transport.js';

class FakeNode implements Transport {
  readonly target = 'root@pve1:22';
  execCount = 0;
  calls: { command: string; stdin: string }[] = [];
  active = 0;
  maxActive = 0;
  constructor(private readonly reply: (stdin: string, n: number) => ExecResult | Error, private readonly sessions = Infinity) {}
  async connect(): Promise<void> {}
  async close(): Promise<void> {}
  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.execCount++;
    if (this.active >= this.sessions) throw new TransportError('closed', `${this.target}: cannot open a session channel: (SSH) Channel open failure: open failed`);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    this.calls.push({ command, stdin: String(opts.stdin ?? '') });
    await new Promise((r) => setTimeout(r, 5));
    this.active--;
    const r = this.reply(String(opts.stdin ?? ''), this.calls.length);
    if (r instanceof Error) throw r;
    return r;
  }
}

const ok = (stdout = ''): ExecResult => ({ stdout, stderr: '', code: 0 });
const guest = (node: Transport, gate = new SessionGate(8), sudo = false) => new PctTransport(node, { vmid: 105, node: 'pve1', sudo }, gate);

/** runs the stub with dash as the guest would */
const runStub = (stdin: string) =>
  new Promise<string>((res, rej) => {
    const c = execFile('/bin/sh', ['-c', PCT_STUB], (e, out) => (e && !out ? rej(e) : res(out)));
    c.stdin!.end(stdin);
  });

describe('PctTransport', () => {
  it('sends the same command line every time; the command and its input go on stdin', async () => {
    const node = new FakeNode(() => ok('x'));
    const t = guest(node);
    await t.exec('/bin/sh -s', { stdin: 'echo secret-value\n' });
    await t.exec("if [ \"$(id -un)\" = root ]; then exec /bin/sh -s; else exec sudo -n -H -u root -- /bin/sh -s; fi", { stdin: 'true\n' });
    expect(node.calls[0]!.command).toBe(node.calls[1]!.command);
    expect(node.calls[0]!.command).toMatch(/^pct exec '?105'? -- \/bin\/sh -c '/);
    expect(node.calls.map((c) => c.command).join('')).not.toContain('secret-value');
    expect(node.calls[0]!.stdin).toBe('1\n/bin/sh -s\necho secret-value\n');
    expect(t.execCount).toBe(2);
  });

  it('the stub runs a multi-line command with the rest of stdin as its input', async () => {
    expect(await runStub('3\nread a\necho "got $a"\nexec cat\nfirst\nrest of input\n')).toBe('got first\nrest of input\n');
  });

  it('uses sudo -n on the node when the node login is not root', async () => {
    const node = new FakeNode(() => ok());
    await guest(node, new SessionGate(8), true).exec('/bin/sh -s', { stdin: '' });
    expect(node.calls[0]!.command).toMatch(/^sudo -n -- pct exec /);
  });

  it("maps pct's own errors: a stopped guest is unreachable with the reason, a missing one is a config error", async () => {
    const stopped = guest(new FakeNode(() => ({ stdout: '', stderr: "container '105' not running!\n", code: 255 })));
    await expect(stopped.exec('/bin/sh -s')).rejects.toMatchObject({ kind: 'unreachable', message: 'CT 105 is stopped on node pve1' });
    const older = guest(new FakeNode(() => ({ stdout: '', stderr: 'CT 105 not running\n', code: 255 })));
    await expect(older.exec('/bin/sh -s')).rejects.toMatchObject({ kind: 'unreachable' });
    const missing = guest(new FakeNode(() => ({ stdout: '', stderr: "Configuration file 'nodes/pve1/lxc/105.conf' does not exist\n", code: 255 })));
    await expect(missing.exec('/bin/sh -s')).rejects.toMatchObject({ kind: 'config', message: 'CT 105 does not exist on node pve1' });
    // the guest's own command failing with 255 is just a result
    const own = await guest(new FakeNode(() => ({ stdout: '', stderr: 'boom\n', code: 255 }))).exec('/bin/sh -s');
    expect(own.code).toBe(255);
  });

  it('queues guests for session slots and adapts when sshd allows fewer', async () => {
    const node = new FakeNode(() => ok(), 2);
    const gate = new SessionGate(8);
    const guests = [101, 102, 103, 104, 105].map((vmid) => new PctTransport(node, { vmid, node: 'pve1', sudo: false }, gate));
    const results = await Promise.all(guests.flatMap((g) => [g.exec('/bin/sh -s'), g.exec('/bin/sh -s')]));
    expect(results.every((r) => r.code === 0)).toBe(true);
    expect(node.maxActive).toBe(2);
    expect(gate.limit).toBeLessThanOrEqual(2);
  });

  it('a configured limit is never exceeded', async () => {
    const node = new FakeNode(() => ok());
    const gate = new SessionGate(3);
    await Promise.all(Array.from({ length: 12 }, (_, i) => new PctTransport(node, { vmid: 100 + i, node: 'pve1', sudo: false }, gate).exec('/bin/sh -s')));
    expect(node.maxActive).toBe(3);
  });

  it('a refused channel with no other session open is an error, not a retry loop', async () => {
    const node = new FakeNode(() => ok(), 0);
    await expect(guest(node).exec('/bin/sh -s')).rejects.toThrow(/open failed/);
  });
});
