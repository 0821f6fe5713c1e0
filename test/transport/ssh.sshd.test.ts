// The SSH transport against a real OpenSSH sshd on loopback (no containers): one persistent
// connection, stdin, timeouts, dropped connections, strict host keys (unknown, changed, hashed),
// auth failures, unreachable, ProxyJump through a second sshd, ~/.ssh/config.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fingerprint } from '../../src/transport/known-hosts.js';
import { SshTransport } from '../../src/transport/ssh.js';
import { TransportError, type ConnectionSpec } from '../../src/transport/transport.js';
import { keygen, sshdMissing, startSshdWithJump, type Sshd } from '../support/sshd.js';

if (sshdMissing) console.warn(`skipping the real-sshd transport tests: ${sshdMissing}`);

const accepted = (d: Sshd) => (d.log().match(/Accepted publickey/g) ?? []).length;
const fail = (p: Promise<unknown>) => p.then(() => expect.fail('expected a TransportError'), (e: unknown) => e as TransportError);

describe.skipIf(sshdMissing)('ssh transport against a real sshd', () => {
  let sshd: Sshd;
  let jump: Sshd;
  const dir = mkdtempSync(join(tmpdir(), 'fleet-ssh-test-'));
  const spec = (extra: Partial<ConnectionSpec> = {}): ConnectionSpec => ({
    connection: 'ssh',
    host: '127.0.0.1',
    port: sshd.port,
    user: 'root',
    identityFiles: [sshd.clientKeyPath],
    knownHostsFiles: [sshd.knownHostsPath],
    sshConfigFile: false,
    ...extra,
  });

  beforeAll(async () => {
    delete process.env.SSH_AUTH_SOCK; // the tests control exactly which credentials exist
    ({ sshd, jump } = await startSshdWithJump());
  }, 30_000);
  afterAll(async () => {
    await sshd?.stop();
    await jump?.stop();
  });

  it('runs commands over one persistent TCP connection with stdout, stderr and exit code', async () => {
    const noDelay = vi.spyOn(Socket.prototype, 'setNoDelay');
    const before = accepted(sshd);
    const t = new SshTransport(spec());
    expect(t.target).toBe(`root@127.0.0.1:${sshd.port}`);
    const a = await t.exec('echo $SSH_CONNECTION; echo err >&2; exit 3');
    const b = await t.exec('echo $SSH_CONNECTION');
    expect(a).toMatchObject({ code: 3, stderr: 'err\n' });
    expect(a.stdout).toMatch(/^127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+\n$/);
    expect(b.stdout).toBe(a.stdout); // same source port: the same TCP connection
    expect(t.execCount).toBe(2);
    expect(accepted(sshd) - before).toBe(1);
    expect(noDelay).toHaveBeenCalledWith(true);
    noDelay.mockRestore();
    await t.close();
  });

  it('shares one pending connect between concurrent callers, and runs execs concurrently on it', async () => {
    const before = accepted(sshd);
    const t = new SshTransport(spec());
    const [, , ...outs] = await Promise.all([t.connect(), t.connect(), ...[1, 2, 3, 4].map((i) => t.exec(`echo ${i} $SSH_CONNECTION`))]);
    expect(outs.map((o) => o.stdout.split(' ')[0])).toEqual(['1', '2', '3', '4']);
    expect(new Set(outs.map((o) => o.stdout.split(' ').slice(1).join(' '))).size).toBe(1);
    expect(accepted(sshd) - before).toBe(1);
    await t.close();
  });

  it('delivers 1 MB of stdin and closes it', async () => {
    const t = new SshTransport(spec());
    const big = Buffer.alloc(1024 * 1024, 'abcdefghij');
    const r = await t.exec('sha256sum');
    expect(r.stdout.split(' ')[0]).toBe(execFileSync('sha256sum', { input: '' }).toString().split(' ')[0]); // stdin ended even when empty
    const r2 = await t.exec('wc -c; echo done', { stdin: big });
    expect(r2.stdout).toBe(`${big.length}\ndone\n`);
    await t.close();
  });

  it('reports a command killed by a signal', async () => {
    const t = new SshTransport(spec());
    const r = await t.exec('kill -TERM $$');
    expect(r.code).toBeNull();
    expect(r.signal).toBe('SIGTERM'); // the same spelling as LocalTransport (Node)
    await t.close();
  });

  it('times out a hung command and keeps the connection usable', async () => {
    const t = new SshTransport(spec({ commandTimeoutMs: 60_000 }));
    const first = await t.exec('echo $SSH_CONNECTION');
    const t0 = Date.now();
    const e = await fail(t.exec('sleep 30', { timeoutMs: 500 }));
    expect(e).toBeInstanceOf(TransportError);
    expect(e.kind).toBe('timeout');
    expect(e.message).toContain('timed out after 0.5 s');
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect((await t.exec('echo $SSH_CONNECTION')).stdout).toBe(first.stdout);
    await t.close();
  });

  it('the transport default command timeout applies without a per-call one', async () => {
    const t = new SshTransport(spec({ commandTimeoutMs: 300 }));
    expect((await fail(t.exec('sleep 30'))).kind).toBe('timeout');
    await t.close();
  });

  it('on a timeout, the caller kills the command (abandon) before the channel is hung up', async () => {
    const t = new SshTransport(spec());
    const pidFile = join(dir, 'abandon.pid');
    const seen: string[] = [];
    const e = await fail(
      t.exec(`echo $$ > ${pidFile}; sleep 30`, {
        timeoutMs: 500,
        abandon: async () => {
          // the command still runs while the caller looks at it
          seen.push((await t.exec(`kill -0 "$(cat ${pidFile})" && echo alive`)).stdout.trim());
        },
      }),
    );
    expect(e.kind).toBe('timeout');
    expect(seen).toEqual(['alive']);
    await t.close();
  });

  it('fails a command that prints more than maxOutputBytes, and the connection stays usable', async () => {
    const t = new SshTransport(spec({ maxOutputBytes: 1024 * 1024 }));
    let abandoned = 0;
    const e = await fail(t.exec('yes fleet | head -c 300000000', { abandon: async () => void abandoned++ }));
    expect(e.kind).toBe('output');
    expect(e.message).toBe(`root@127.0.0.1:${sshd.port}: the command printed more than 1 MiB (the host's max_output); fleet stopped reading and ended the command`);
    expect(abandoned).toBe(1);
    // stderr counts too
    expect((await fail(t.exec('yes fleet | head -c 3000000 >&2'))).kind).toBe('output');
    const ok = await t.exec('yes fleet | head -c 1000000 | wc -c');
    expect(ok.stdout).toBe('1000000\n');
    expect((await t.exec('yes fleet | head -c 1048576')).stdout.length).toBe(1048576);
    await t.close();
  });

  it('a connection dropped mid-command rejects as closed; the next exec reconnects', async () => {
    const t = new SshTransport(spec());
    const first = await t.exec('echo $SSH_CONNECTION');
    // $PPID is this session's sshd process: killing it drops the TCP connection
    const e = await fail(t.exec('kill -9 $PPID; sleep 5'));
    expect(e.kind).toBe('closed');
    const again = await t.exec('echo $SSH_CONNECTION');
    expect(again.code).toBe(0);
    expect(again.stdout).not.toBe(first.stdout); // a new TCP connection
    await t.close();
  });

  it('keepalives notice a peer that stopped answering', async () => {
    const t = new SshTransport(spec({ keepaliveIntervalMs: 200 }));
    const t0 = Date.now();
    // freeze this session's sshd (thawed again after 4 s so it can exit); only keepalives can tell
    const e = await fail(t.exec('p=$PPID; (sleep 4; kill -CONT $p) >/dev/null 2>&1 & kill -STOP $p; sleep 20'));
    expect(e.kind).toBe('closed');
    expect(e.message).toMatch(/keepalive/i);
    expect(Date.now() - t0).toBeLessThan(4_000);
    await t.close();
  });

  it('refuses an unknown host key, giving the fingerprint and the fix', async () => {
    writeFileSync(join(dir, 'empty'), '');
    const e = await fail(new SshTransport(spec({ knownHostsFiles: [join(dir, 'empty')] })).connect());
    expect(e).toBeInstanceOf(TransportError);
    expect(e.kind).toBe('hostkey');
    writeFileSync(join(dir, 'host.pub'), `${sshd.hostKeyPub}\n`);
    const want = execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'host.pub')], { encoding: 'utf8' }).split(' ')[1]!;
    expect(e.message).toContain(`unknown host key for [127.0.0.1]:${sshd.port}: ssh-ed25519 ${want}`);
    expect(e.message).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${join(dir, 'empty')}`);
  });

  it('refuses a changed host key, naming both fingerprints', async () => {
    const other = keygen(join(dir, 'other_host')).split(' ').slice(0, 2).join(' ');
    writeFileSync(join(dir, 'changed'), `[127.0.0.1]:${sshd.port} ${other}\n`);
    const e = await fail(new SshTransport(spec({ knownHostsFiles: [join(dir, 'changed')] })).connect());
    expect(e.kind).toBe('hostkey');
    const offered = fingerprint(Buffer.from(sshd.hostKeyPub.split(' ')[1]!, 'base64'));
    const expected = fingerprint(Buffer.from(other.split(' ')[1]!, 'base64'));
    expect(e.message).toContain(`HOST KEY CHANGED for [127.0.0.1]:${sshd.port}`);
    expect(e.message).toContain(`has ssh-ed25519 ${expected}, the host offered ${offered}`);
  });

  it('refuses a @revoked host key even when it is also listed', async () => {
    writeFileSync(join(dir, 'revoked'), `${readFileSync(sshd.knownHostsPath, 'utf8')}@revoked * ${sshd.hostKeyPub}\n`);
    const e = await fail(new SshTransport(spec({ knownHostsFiles: [join(dir, 'revoked')] })).connect());
    expect(e.kind).toBe('hostkey');
    expect(e.message).toMatch(/@revoked/);
  });

  it('accepts a known_hosts entry hashed by ssh-keygen -H', async () => {
    const file = join(dir, 'hashed');
    writeFileSync(file, readFileSync(sshd.knownHostsPath));
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    expect(readFileSync(file, 'utf8')).toMatch(/^\|1\|/);
    const t = new SshTransport(spec({ knownHostsFiles: [file] }));
    expect((await t.exec('echo ok')).stdout).toBe('ok\n');
    await t.close();
  });

  it('fails auth with a wrong key, naming what it tried and what it skipped', async () => {
    keygen(join(dir, 'wrong'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', join(dir, 'locked')]);
    const e = await fail(new SshTransport(spec({ identityFiles: [join(dir, 'wrong'), join(dir, 'locked'), join(dir, 'missing')] })).connect());
    expect(e.kind).toBe('auth');
    expect(e.message).toContain(`authentication as root@127.0.0.1:${sshd.port} failed; tried key ${join(dir, 'wrong')}`);
    expect(e.message).toContain(`key ${join(dir, 'locked')} skipped: it is encrypted (set FLEET_SSH_KEY_PASSPHRASE`);
    expect(e.message).toContain(`key ${join(dir, 'missing')} skipped: no such file`);
  });

  it('uses an encrypted key when FLEET_SSH_KEY_PASSPHRASE decrypts it', async () => {
    const key = join(dir, 'enc');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'pw', '-C', '', '-f', key]);
    appendFileSync(join(sshd.dir, 'authorized_keys'), readFileSync(`${key}.pub`));
    process.env.FLEET_SSH_KEY_PASSPHRASE = 'pw';
    try {
      const t = new SshTransport(spec({ identityFiles: [key] }));
      expect((await t.exec('echo in')).stdout).toBe('in\n');
      await t.close();
    } finally {
      delete process.env.FLEET_SSH_KEY_PASSPHRASE;
    }
  });

  it('reports a closed port and an unknown host name as unreachable', async () => {
    const closed = await fail(new SshTransport(spec({ port: 1 })).connect());
    expect(closed.kind).toBe('unreachable');
    expect(closed.message).toContain('ECONNREFUSED');
    const nx = await fail(new SshTransport(spec({ host: 'no-such-host.invalid', connectTimeoutMs: 5_000 })).connect());
    expect(nx.kind).toBe('unreachable');
  });

  it('a handshake that never comes is unreachable after the connect timeout', async () => {
    // a TCP listener that never speaks SSH
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const e = await fail(new SshTransport(spec({ port, connectTimeoutMs: 400 })).connect());
    silent.close();
    expect(e.kind).toBe('unreachable');
    expect(e.message).toMatch(/no SSH handshake within 0.4 s/);
  });

  it('jumps through a ProxyJump host', async () => {
    const both = join(dir, 'kh-both');
    writeFileSync(both, readFileSync(sshd.knownHostsPath, 'utf8') + readFileSync(jump.knownHostsPath, 'utf8'));
    const cfg = join(dir, 'jump_config');
    writeFileSync(cfg, `Host jumpbox\n  HostName 127.0.0.1\n  Port ${jump.port}\n  User root\n  IdentityFile ${sshd.clientKeyPath}\n`);
    const jumpAccepted = accepted(jump);
    const t = new SshTransport(spec({ proxyJump: 'jumpbox', sshConfigFile: cfg, knownHostsFiles: [both] }));
    expect((await t.exec('echo through')).stdout).toBe('through\n');
    expect(accepted(jump) - jumpAccepted).toBe(1);
    // the jump host opened the forwarded connection to the target
    expect(jump.log()).toMatch(new RegExp(`direct-tcpip.*127\\.0\\.0\\.1 port ${sshd.port}`, 's'));
    await t.close();
  });

  it('checks the jump host key too', async () => {
    const cfg = join(dir, 'jump_config2');
    writeFileSync(cfg, `Host jumpbox\n  HostName 127.0.0.1\n  Port ${jump.port}\n  User root\n  IdentityFile ${sshd.clientKeyPath}\n`);
    // only the target is known: the jump host must be refused
    const e = await fail(new SshTransport(spec({ proxyJump: 'jumpbox', sshConfigFile: cfg })).connect());
    expect(e.kind).toBe('hostkey');
    expect(e.message).toContain(`[127.0.0.1]:${jump.port}`);
  });

  it('honours an ssh config: alias -> HostName, Port, User, IdentityFile, UserKnownHostsFile', async () => {
    const cfg = join(dir, 'alias_config');
    writeFileSync(
      cfg,
      `Host fleet-alias\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\n  IdentityFile ${sshd.clientKeyPath}\n  UserKnownHostsFile ${sshd.knownHostsPath}\n  StrictHostKeyChecking no\n`,
    );
    const t = new SshTransport({ connection: 'ssh', host: 'fleet-alias', port: 22, identityFiles: [], sshConfigFile: cfg });
    expect(t.target).toBe(`root@127.0.0.1:${sshd.port}`);
    expect((await t.exec('echo aliased')).stdout).toBe('aliased\n');
    await t.close();
  });

  it('StrictHostKeyChecking no in the ssh config does not relax host key checks', async () => {
    writeFileSync(join(dir, 'empty2'), '');
    const cfg = join(dir, 'lax_config');
    writeFileSync(cfg, `Host *\n  StrictHostKeyChecking no\n  UserKnownHostsFile ${join(dir, 'empty2')}\n`);
    const e = await fail(new SshTransport(spec({ sshConfigFile: cfg, knownHostsFiles: undefined })).connect());
    expect(e.kind).toBe('hostkey');
  });

  it('a broken ssh config is a config error from connect(), not from the constructor', async () => {
    const cfg = join(dir, 'bad_config');
    writeFileSync(cfg, 'Host *\n  Port nope\n');
    const t = new SshTransport(spec({ sshConfigFile: cfg }));
    const e = await fail(t.exec('true'));
    expect(e.kind).toBe('config');
    expect(e.message).toBe(`${cfg}:2: Port 'nope' is not a port number (1-65535); fix the ssh config`);
  });

  it('close() is idempotent and a later exec reconnects', async () => {
    const t = new SshTransport(spec());
    await t.exec('true');
    await t.close();
    await t.close();
    expect((await t.exec('echo back')).stdout).toBe('back\n');
    expect(t.execCount).toBe(2);
    await t.close();
  });
});
