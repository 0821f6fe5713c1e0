// The SSH transport against real sshd lab hosts: persistent connection, stdin, timeouts, strict
// host keys (unknown, changed, hashed), auth failure, unreachable, ProxyJump, become via sudo.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshTransport } from '../../src/transport/ssh.js';
import { TransportError, type ConnectionSpec } from '../../src/transport/transport.js';
import { Remote } from '../../src/engine/remote.js';
import { applyScript, parseFramed } from '../../src/engine/frame.js';
import { atomicWrite, raw } from '../../src/shell/sh.js';
import { startLab, type Lab } from '../support/lab.js';

describe('ssh transport', () => {
  let lab: Lab;
  const dir = mkdtempSync(join(tmpdir(), 'fleet-ssh-'));
  let spec: (i: number, extra?: Partial<ConnectionSpec>) => ConnectionSpec;

  beforeAll(async () => {
    lab = await startLab({ name: 'ssh', hosts: 2, kind: 'light' });
    spec = (i, extra = {}) => ({ connection: 'ssh', host: lab.hosts[i]!.ip, port: 22, user: 'root', identityFiles: [lab.keyPath], knownHostsFiles: [lab.knownHostsPath], sshConfigFile: false, ...extra });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('runs commands over one persistent connection, with stdin, exit codes and stderr', async () => {
    const t = new SshTransport(spec(0));
    const a = await t.exec('echo $SSH_CONNECTION; echo err >&2; exit 3');
    const b = await t.exec('echo $SSH_CONNECTION');
    expect(a.code).toBe(3);
    expect(a.stderr).toBe('err\n');
    expect(a.stdout).toBe(b.stdout); // same source port: the same TCP connection
    const big = 'x'.repeat(1024 * 1024);
    expect((await t.exec('wc -c', { stdin: big })).stdout.trim()).toBe(String(big.length));
    expect(t.execCount).toBe(3);
    await t.close();
  });

  it('times out a hung command and keeps the connection usable', async () => {
    const t = new SshTransport(spec(0));
    await expect(t.exec('sleep 30', { timeoutMs: 500 })).rejects.toMatchObject({ kind: 'timeout' });
    expect((await t.exec('echo alive')).stdout).toBe('alive\n');
    await t.close();
  });

  it('refuses an unknown host key with its fingerprint', async () => {
    writeFileSync(join(dir, 'empty'), '');
    const t = new SshTransport(spec(0, { knownHostsFiles: [join(dir, 'empty')] }));
    const e = await t.connect().catch((x) => x);
    expect(e).toBeInstanceOf(TransportError);
    expect(e.kind).toBe('hostkey');
    expect(e.message).toMatch(/unknown host key for .*: ssh-\S+ SHA256:/);
  });

  it('refuses a changed host key naming both fingerprints', async () => {
    // host 1's keys listed under host 0's address
    const lines = readFileSync(lab.knownHostsPath, 'utf8').split('\n').filter((l) => l.startsWith(`${lab.hosts[1]!.ip} `));
    writeFileSync(join(dir, 'changed'), lines.map((l) => l.replace(lab.hosts[1]!.ip, lab.hosts[0]!.ip)).join('\n'));
    const e = await new SshTransport(spec(0, { knownHostsFiles: [join(dir, 'changed')] })).connect().catch((x) => x);
    expect(e.kind).toBe('hostkey');
    expect(e.message).toMatch(/HOST KEY CHANGED .* has \S+ SHA256:\S+, the host offered SHA256:/);
  });

  it('accepts a hashed known_hosts entry', async () => {
    const file = join(dir, 'hashed');
    writeFileSync(file, readFileSync(lab.knownHostsPath));
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    expect(readFileSync(file, 'utf8')).toMatch(/^\|1\|/);
    const t = new SshTransport(spec(0, { knownHostsFiles: [file] }));
    expect((await t.exec('echo ok')).stdout).toBe('ok\n');
    await t.close();
  });

  it('fails auth with a wrong key, naming what it tried', async () => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'wrong')]);
    const e = await new SshTransport(spec(0, { identityFiles: [join(dir, 'wrong')] })).connect().catch((x) => x);
    expect(e.kind).toBe('auth');
    expect(e.message).toContain(join(dir, 'wrong'));
  });

  it('reports an unreachable port as unreachable', async () => {
    const e = await new SshTransport(spec(0, { port: 1 })).connect().catch((x) => x);
    expect(e.kind).toBe('unreachable');
  });

  it('jumps through a ProxyJump host', async () => {
    const jump = lab.hosts[1]!.ip;
    const cfg = join(dir, 'ssh_config');
    writeFileSync(cfg, `Host ${jump}\n  IdentityFile ${lab.keyPath}\n  User root\n`);
    const t = new SshTransport(spec(0, { proxyJump: `root@${jump}`, sshConfigFile: cfg }));
    // the target sees the connection coming from the jump host
    expect((await t.exec('echo $SSH_CONNECTION')).stdout.split(' ')[0]).toBe(jump);
    await t.close();
  });

  it('runs scripts through sudo with a password that is never echoed or executed', async () => {
    const h = lab.hosts[0]!;
    await h.exec("useradd -m ops && echo 'ops:s3cret-pass' | chpasswd && echo 'ops ALL=(ALL) ALL' > /etc/sudoers.d/ops && mkdir -p -m 700 /home/ops/.ssh && cp /root/.ssh/authorized_keys /home/ops/.ssh/ && chown -R ops /home/ops/.ssh");
    const t = new SshTransport(spec(0, { user: 'ops' }));
    const r = await new Remote(t, { enabled: true, password: 's3cret-pass' }).run('id -un; cat /etc/shadow >/dev/null && echo readable');
    expect(r.stdout).toBe('root\nreadable\n');
    expect(r.stdout + r.stderr).not.toContain('s3cret-pass');
    // an apply that writes a file runs under the writer through sudo too: the script sees the
    // writer's pipe, and the file is written as root (read back without fleet)
    const f = applyScript([{ steps: [atomicWrite('/root/written-by-fleet', 'through sudo\n', '0600'), raw('echo "writer fd $FLEET_WQ"')], continueOnError: false }]);
    const w = await new Remote(t, { enabled: true, password: 's3cret-pass' }).run(f.script, undefined, f.writer);
    expect(parseFramed(w.stdout, f.nonce).get(0)).toMatchObject({ code: 0, out: expect.stringMatching(/^writer fd \d+\n$/) });
    expect((await h.exec('stat -c %U:%a /root/written-by-fleet && cat /root/written-by-fleet')).stdout).toBe('root:600\nthrough sudo\n');
    const bad = await new Remote(t, { enabled: true }).run('id -un');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/password is required/);
    await t.close();
  });
});
