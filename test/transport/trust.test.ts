// fleet trust's pure parts and file writing: classification, which lines get recorded where,
// hashed names that ssh-keygen finds, atomic appends that keep content and mode; and the key
// fetch itself against a real sshd on loopback (no authentication attempted).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { appendKnownHosts, hashHostName, knownHostsLine } from '../../src/transport/known-hosts-write.js';
import { fingerprint, parseKnownHosts, verifyHostKey } from '../../src/transport/known-hosts.js';
import { SshTransport } from '../../src/transport/ssh.js';
import { classifyTrust, linesToRecord, scanHostKeys } from '../../src/transport/trust.js';
import { TransportError, type ConnectionSpec } from '../../src/transport/transport.js';
import { keygen, sshdMissing, startSshdWithJump, type Sshd } from '../support/sshd.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-trust-'));
let n = 0;
const key = () => Buffer.from(keygen(join(dir, `k${n++}`)).split(' ')[1]!, 'base64');
const spec = (host: string, extra: Partial<ConnectionSpec> = {}): ConnectionSpec => ({ connection: 'ssh', host, port: 22, identityFiles: [], sshConfigFile: false, ...extra });

describe('trust: classification and recording', () => {
  const a = key();
  const b = key();

  it('classifies against known_hosts, naming the old line and fingerprint of a changed key', () => {
    const e = parseKnownHosts(`h ${knownHostsLine('h', a, false).split(' ').slice(1).join(' ')}\n`, '/kh');
    const row = { host: 'web', address: 'h:22' };
    expect(classifyTrust(e, row, 'h', 22, a, '/kh')).toMatchObject({ status: 'known', detail: '/kh:1', name: 'h' });
    expect(classifyTrust(e, row, 'h', 22, b, '/kh')).toMatchObject({ status: 'changed', detail: '/kh:1', oldFingerprint: fingerprint(a) });
    expect(classifyTrust(e, row, 'h', 2222, b, '/kh')).toMatchObject({ status: 'new', name: '[h]:2222', file: '/kh' });
    const revoked = parseKnownHosts(`@revoked * ${knownHostsLine('x', b, false).split(' ').slice(1).join(' ')}\n`, '/kh');
    expect(classifyTrust(revoked, row, 'h', 22, b, '/kh')).toMatchObject({ status: 'revoked', detail: '@revoked in /kh:1' });
  });

  it('a key of a new type for a host known by another type is flagged, recorded only when allowed', () => {
    const rsa = Buffer.from(keygen(join(dir, `k${n++}`), 'rsa').split(' ')[1]!, 'base64');
    const e = parseKnownHosts(`h ${knownHostsLine('h', a, false).split(' ').slice(1).join(' ')}\n`, '/kh');
    const row = classifyTrust(e, { host: 'web', address: 'h:22' }, 'h', 22, rsa, '/kh');
    expect(row).toMatchObject({ status: 'new-type', knownTypes: ['ssh-ed25519'], name: 'h', file: '/kh' });
    expect(linesToRecord([row], false).size).toBe(0);
    expect(linesToRecord([row], false, true).get('/kh')).toEqual([`h ssh-rsa ${rsa.toString('base64')}`]);
    // another host name (port) is not "known by another type"
    expect(classifyTrust(e, { host: 'web', address: 'h:2222' }, 'h', 2222, rsa, '/kh').status).toBe('new');
  });

  it('records new keys only, once per name and key, grouped by file', () => {
    const rows = [
      { host: 'w1', address: 'h1:22', status: 'new' as const, name: 'h1', key: a, file: '/f1' },
      { host: 'alias', address: 'h1:22', status: 'new' as const, name: 'h1', key: a, file: '/f1' },
      { host: 'w2', address: 'h2:2222', status: 'new' as const, name: '[h2]:2222', key: b, file: '/f2' },
      { host: 'w3', address: 'h3:22', status: 'changed' as const, name: 'h3', key: b, file: '/f1' },
      { host: 'w4', address: 'h4:22', status: 'unreachable' as const },
    ];
    const plan = linesToRecord(rows, false);
    expect([...plan.keys()]).toEqual(['/f1', '/f2']);
    expect(plan.get('/f1')).toEqual([`h1 ssh-ed25519 ${a.toString('base64')}`]);
    expect(plan.get('/f2')).toEqual([`[h2]:2222 ssh-ed25519 ${b.toString('base64')}`]);
  });

  it('hashes names as ssh-keygen -H does: ssh-keygen -F finds them, fleet verifies them', () => {
    const file = join(dir, 'hashed');
    appendKnownHosts(file, [knownHostsLine('10.1.2.3', a, true), knownHostsLine('[10.1.2.3]:2222', b, true)]);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('10.1.2.3');
    expect(text).toMatch(/^\|1\|[A-Za-z0-9+/]{27}=\|[A-Za-z0-9+/]{27}= ssh-ed25519 /);
    expect(execFileSync('ssh-keygen', ['-F', '10.1.2.3', '-f', file], { encoding: 'utf8' })).toContain(a.toString('base64'));
    expect(execFileSync('ssh-keygen', ['-F', '[10.1.2.3]:2222', '-f', file], { encoding: 'utf8' })).toContain(b.toString('base64'));
    expect(verifyHostKey(parseKnownHosts(text, file), '10.1.2.3', 2222, b)).toEqual({ ok: true });
    expect(hashHostName('x', Buffer.alloc(20))).toBe(hashHostName('x', Buffer.alloc(20)));
    expect(hashHostName('x')).not.toBe(hashHostName('x')); // a fresh salt each time
  });

  it('appends atomically, keeping the content (even without a final newline), the mode and a symlink', () => {
    const file = join(dir, 'kh');
    writeFileSync(file, '# mine\nold ssh-ed25519 AAAA');
    chmodSync(file, 0o640);
    appendKnownHosts(file, ['new1 x y', 'new2 x y']);
    expect(readFileSync(file, 'utf8')).toBe('# mine\nold ssh-ed25519 AAAA\nnew1 x y\nnew2 x y\n');
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]); // no temp file left
    const link = join(dir, 'link');
    symlinkSync(file, link);
    appendKnownHosts(link, ['new3 x y']);
    expect(readFileSync(file, 'utf8')).toMatch(/new3 x y\n$/);
    const fresh = join(dir, 'sub', 'dir', 'known_hosts');
    appendKnownHosts(fresh, ['a b c']);
    expect(readFileSync(fresh, 'utf8')).toBe('a b c\n');
    expect(statSync(fresh).mode & 0o777).toBe(0o644);
    appendKnownHosts(join(dir, 'never'), []);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('scans in parallel: an unreachable host is a row, a local one is skipped', async () => {
    const kh = join(dir, 'scan_kh');
    writeFileSync(kh, `h1 ssh-ed25519 ${a.toString('base64')}\n`);
    const probe = async (s: ConnectionSpec) => {
      if (s.host === 'down') throw new TransportError('unreachable', 'root@down:22: ECONNREFUSED');
      return { host: s.host, port: s.port, knownHostsFiles: [kh], key: s.host === 'h1' ? a : b };
    };
    const rows = await scanHostKeys([{ host: 'one', spec: spec('h1') }, { host: 'two', spec: spec('h2') }, { host: 'three', spec: spec('down') }, { host: 'me', spec: spec('localhost', { connection: 'local' }) }], { probe });
    expect(rows.map((r) => [r.host, r.status, r.file])).toEqual([
      ['one', 'known', kh],
      ['two', 'new', kh],
      ['three', 'unreachable', undefined],
      ['me', 'skipped', undefined],
    ]);
    expect(rows[2]!.detail).toBe('root@down:22: ECONNREFUSED');
    // --known-hosts: the target file is where new keys go, and it is consulted too
    const other = join(dir, 'other_kh');
    writeFileSync(other, `h2 ssh-ed25519 ${b.toString('base64')}\n`);
    const again = await scanHostKeys([{ host: 'two', spec: spec('h2') }], { probe, knownHostsFile: other });
    expect(again[0]).toMatchObject({ status: 'known', detail: `${other}:1` });
  });
});

if (sshdMissing) console.warn(`skipping the real-sshd key fetch test: ${sshdMissing}`);

describe.skipIf(sshdMissing)('trust: fetching a host key from a real sshd', () => {
  let sshd: Sshd;
  let jump: Sshd;
  beforeAll(async () => {
    ({ sshd, jump } = await startSshdWithJump());
  }, 30_000);
  afterAll(async () => {
    await sshd?.stop();
    await jump?.stop();
  });

  it('gets the key the server holds after a full key exchange, and never tries to log in', async () => {
    const before = jump.log().length;
    const t = new SshTransport({ connection: 'ssh', host: '127.0.0.1', port: jump.port, user: 'root', identityFiles: [sshd.clientKeyPath], knownHostsFiles: [join(dir, 'nothing')], sshConfigFile: false });
    const { hop, key } = await t.probeHostKey();
    expect(key.toString('base64')).toBe(jump.hostKeyPub.split(' ')[1]);
    expect(hop).toMatchObject({ host: '127.0.0.1', port: jump.port });
    await new Promise((r) => setTimeout(r, 200));
    const log = jump.log().slice(before);
    expect(log).toContain('KEX done'); // the server proved it holds the key (signed the exchange)
    expect(log).not.toMatch(/userauth|Accepted|Failed|Postponed/i);
  });

  it('fleet trust asks once on a terminal: "n" records nothing (exit 5), "y" records the key', async () => {
    const kh = join(dir, 'asked_kh');
    const inv = join(dir, 'asked.yaml');
    writeFileSync(inv, `all:\n  hosts:\n    s1: { ansible_host: 127.0.0.1, ansible_port: ${sshd.port}, ansible_user: root, known_hosts_file: ${kh} }\n`);
    const run = async (answer: string) => {
      const stdin = Object.assign(new PassThrough(), { isTTY: true });
      const out = new PassThrough();
      const err = new PassThrough();
      let text = '';
      out.on('data', (d) => (text += d));
      err.on('data', (d) => {
        text += d;
        if (String(d).includes('[y/N]')) stdin.write(`${answer}\n`);
      });
      const io = { stdout: out as unknown as NodeJS.WriteStream, stderr: err as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, env: {}, cwd: dir };
      return { code: await runCli(['trust', '-i', inv], io), text };
    };
    const no = await run('n');
    expect(no.code).toBe(5);
    expect(no.text).toContain(`Record 1 new host key in ${kh}? Check the fingerprints above out of band first. [y/N]`);
    expect(no.text).toContain('nothing recorded');
    expect(existsSync(kh)).toBe(false);
    const yes = await run('y');
    expect(yes.code, yes.text).toBe(0);
    expect(readFileSync(kh, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostKeyPub}\n`);
  });

  it('fetches through a ProxyJump host, which must itself be trusted', async () => {
    const cfg = join(dir, 'jump_config');
    writeFileSync(cfg, `Host jumpbox\n  HostName 127.0.0.1\n  Port ${jump.port}\n  User root\n  IdentityFile ${sshd.clientKeyPath}\n`);
    const spec = (kh: string): ConnectionSpec => ({ connection: 'ssh', host: '127.0.0.1', port: sshd.port, user: 'root', identityFiles: [], knownHostsFiles: [kh], sshConfigFile: cfg, proxyJump: 'jumpbox' });
    // only the jump host is known: the target's key comes back through it
    const { key } = await new SshTransport(spec(jump.knownHostsPath)).probeHostKey();
    expect(key.toString('base64')).toBe(sshd.hostKeyPub.split(' ')[1]);
    expect(jump.log()).toMatch(new RegExp(`direct-tcpip.*127\\.0\\.0\\.1 port ${sshd.port}`, 's'));
    // an unknown jump host is refused: trust never goes through a host it cannot verify
    await expect(new SshTransport(spec(join(dir, 'nothing'))).probeHostKey()).rejects.toMatchObject({ kind: 'hostkey', message: expect.stringContaining(`[127.0.0.1]:${jump.port}`) });
  });

  it('an unreachable port is a TransportError', async () => {
    const t = new SshTransport({ connection: 'ssh', host: '127.0.0.1', port: 1, identityFiles: [], sshConfigFile: false });
    await expect(t.probeHostKey()).rejects.toMatchObject({ kind: 'unreachable' });
  });
});
