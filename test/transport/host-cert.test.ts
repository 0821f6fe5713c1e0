// Host certificates made by the real `ssh-keygen -s`, checked by host-cert.ts: every CA key type
// and RSA signature algorithm, and each reason to refuse one.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHostCert, parseHostCert } from '../../src/transport/host-cert.js';
import { checkHostKey } from '../../src/transport/host-check.js';
import { parseKeyscanCerts } from '../../src/transport/keyscan.js';
import { fingerprint, parseKnownHosts } from '../../src/transport/known-hosts.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-cert-'));
let n = 0;
const blobOf = (line: string) => Buffer.from(line.trim().split(/\s+/)[1]!, 'base64');

function key(type: string, bits?: number): { path: string; pub: string; blob: Buffer } {
  const path = join(dir, `k${n++}`);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-N', '', '-C', '', '-f', path]);
  const pub = readFileSync(`${path}.pub`, 'utf8').trim();
  return { path, pub, blob: blobOf(pub) };
}

/** `ssh-keygen -s CA -h` over a copy of the host's public key; returns the certificate blob. */
function sign(ca: { path: string }, host: { pub: string }, args: string[]): Buffer {
  const pub = join(dir, `h${n++}.pub`);
  writeFileSync(pub, `${host.pub}\n`);
  execFileSync('ssh-keygen', ['-q', '-s', ca.path, '-I', 'test-host', ...args, pub]);
  return blobOf(readFileSync(pub.replace(/\.pub$/, '-cert.pub'), 'utf8'));
}

const ca = key('ed25519');
const host = key('ed25519');
const trusted = (extra = '') => parseKnownHosts(`@cert-authority 10.0.0.* ${ca.pub}\n${extra}`, '/kh');
const ctx = (entries = trusted(), over: Partial<Parameters<typeof checkHostCert>[1]> = {}) => ({ name: '10.0.0.1', principal: '10.0.0.1', hostKey: host.blob, entries, now: new Date(), ...over });
const reason = (blob: Buffer, c = ctx()) => {
  const v = checkHostCert(blob, c);
  return v.ok ? 'ok' : v.reason;
};

describe('host certificates', () => {
  const good = sign(ca, host, ['-h', '-n', '10.0.0.1,web1', '-z', '42']);

  it('parses what ssh-keygen signs', () => {
    const c = parseHostCert(good);
    expect(c).toMatchObject({ certType: 'ssh-ed25519-cert-v01@openssh.com', kind: 2, keyId: 'test-host', serial: 42n, principals: ['10.0.0.1', 'web1'], criticalOptions: [] });
    expect(c.publicKey.equals(host.blob)).toBe(true);
    expect(fingerprint(c.signatureKey)).toBe(fingerprint(ca.blob));
  });

  it('accepts a valid certificate for the key the host holds', () => {
    expect(reason(good)).toBe('ok');
    expect(reason(good, ctx(trusted(), { principal: 'WEB1' }))).toBe('ok');
  });

  for (const [type, bits, sigAlg] of [
    ['ecdsa', 256, undefined],
    ['ecdsa', 384, undefined],
    ['ecdsa', 521, undefined],
    ['rsa', 2048, 'rsa-sha2-256'],
    ['rsa', 2048, 'rsa-sha2-512'],
  ] as const) {
    it(`verifies a ${type}${bits} CA signature${sigAlg ? ` (${sigAlg})` : ''}, on ecdsa and rsa host keys too`, () => {
      const c = key(type, bits);
      const entries = parseKnownHosts(`@cert-authority * ${c.pub}\n`, '/kh');
      for (const h of [host, key('ecdsa', 256), key('rsa', 2048)]) {
        const cert = sign(c, h, ['-h', '-n', '10.0.0.1', ...(sigAlg ? ['-t', sigAlg] : [])]);
        expect(reason(cert, ctx(entries, { hostKey: h.blob }))).toBe('ok');
      }
    });
  }

  it('refuses an expired and a not yet valid certificate', () => {
    expect(reason(sign(ca, host, ['-h', '-n', '10.0.0.1', '-V', '20200101:20200102']))).toMatch(/^it expired at 2020-01-0[12]/);
    expect(reason(sign(ca, host, ['-h', '-n', '10.0.0.1', '-V', '+1d:+2d']))).toMatch(/not valid yet/);
  });

  it('refuses a wrong principal, and a certificate without principals', () => {
    expect(reason(sign(ca, host, ['-h', '-n', 'web2,10.0.0.2']))).toBe('it is valid for web2, 10.0.0.2, not for 10.0.0.1 (wrong principal)');
    expect(reason(sign(ca, host, ['-h']))).toMatch(/no principals/);
  });

  it('refuses an unknown CA, a CA listed for other names, and a @revoked CA', () => {
    const other = key('ed25519');
    const cert = sign(other, host, ['-h', '-n', '10.0.0.1']);
    expect(reason(cert)).toMatch(`signed by CA ${fingerprint(other.blob)}, which no @cert-authority line for 10.0.0.1 trusts (unknown CA)`);
    expect(reason(good, ctx(trusted(), { name: '10.9.9.9', principal: '10.0.0.1' }))).toMatch(/unknown CA/);
    expect(reason(good, ctx(trusted(`@revoked * ${ca.pub}\n`)))).toBe(`its CA key ${fingerprint(ca.blob)} is @revoked in /kh:2`);
  });

  it('refuses a tampered certificate (bad signature), a user certificate and critical options', () => {
    const bad = Buffer.from(good);
    const id = bad.indexOf('test-host');
    bad[id] = 'b'.charCodeAt(0);
    expect(reason(bad)).toBe('CA signature check failed: bad signature');
    expect(reason(sign(ca, host, ['-n', '10.0.0.1']))).toMatch(/user certificate, not a host certificate/);
    expect(reason(sign(ca, host, ['-h', '-n', '10.0.0.1', '-O', 'force-command=ls']))).toMatch(/critical option\(s\) force-command/);
  });

  it('refuses a SHA-1 RSA CA signature (ssh-rsa), as OpenSSH does', () => {
    const c = key('rsa', 2048);
    const cert = sign(c, host, ['-h', '-n', '10.0.0.1', '-t', 'ssh-rsa']);
    expect(reason(cert, ctx(parseKnownHosts(`@cert-authority * ${c.pub}\n`, '/kh')))).toMatch(/SHA-1 RSA signature \(ssh-rsa\) refused/);
  });

  it('refuses a certificate for another key than the one the host proved it holds', () => {
    const other = key('ed25519');
    expect(reason(good, ctx(trusted(), { hostKey: other.blob }))).toBe(`it certifies key ${fingerprint(host.blob)}, not the key the host proved it holds (${fingerprint(other.blob)})`);
  });

  it('refuses malformed input without throwing', () => {
    expect(reason(good.subarray(0, good.length - 10))).toMatch(/^malformed certificate: truncated/);
    expect(reason(host.blob)).toMatch(/not a certificate type/);
    expect(reason(Buffer.alloc(0))).toMatch(/malformed/);
  });

  it('reads certificates out of ssh-keyscan -c output', () => {
    // OpenSSH 9.2 prints a certificate without the host name in front
    const out = `# 10.0.0.1:22 SSH-2.0-OpenSSH_9.2\nssh-ed25519-cert-v01@openssh.com ${good.toString('base64')}\n10.0.0.1 ssh-ed25519-cert-v01@openssh.com ${good.toString('base64')}\n10.0.0.1 ${host.pub}\n`;
    expect(parseKeyscanCerts(out)).toEqual([good, good]);
  });
});

describe('checkHostKey: known_hosts, then a certificate when a CA line matches', () => {
  const ca = key('ed25519');
  const host = key('ed25519');
  const cert = sign(ca, host, ['-h', '-n', '10.0.0.1']);
  const check = (kh: string, fetched: Buffer[] | Error, calls: string[] = []) =>
    checkHostKey({
      entries: parseKnownHosts(kh, '/kh'),
      host: '10.0.0.1',
      port: 22,
      key: host.blob,
      timeoutMs: 1000,
      fetchCerts: async (h, p, t) => {
        calls.push(`${h}:${p}:${t}`);
        if (fetched instanceof Error) throw fetched;
        return fetched;
      },
    });

  it('trusts a listed key without fetching anything', async () => {
    const calls: string[] = [];
    expect(await check(`10.0.0.1 ${host.pub}\n@cert-authority * ${ca.pub}\n`, [], calls)).toEqual({ ok: true });
    expect(calls).toEqual([]);
  });

  it('trusts a host through its certificate, fetched for the key type it offered', async () => {
    const calls: string[] = [];
    expect(await check(`@cert-authority * ${ca.pub}\n`, [cert], calls)).toEqual({ ok: true });
    expect(calls).toEqual(['10.0.0.1:22:ssh-ed25519']);
  });

  it('refuses with the reason: no certificate, fetch failure, bad certificate', async () => {
    const kh = `@cert-authority * ${ca.pub}\n`;
    expect(await check(kh, [])).toMatchObject({ ok: false, kind: 'certificate', message: expect.stringMatching(/^host certificate of 10\.0\.0\.1 refused: the host presents no certificate for its ssh-ed25519 key/) });
    expect(await check(kh, new Error('ssh-keyscan is not installed; install openssh-client'))).toMatchObject({ message: expect.stringContaining('cannot fetch it: ssh-keyscan is not installed; install openssh-client') });
    expect(await check(`@cert-authority * ${key('ed25519').pub}\n`, [cert])).toMatchObject({ message: expect.stringContaining('(unknown CA)') });
  });

  it('never lets a CA override a changed or revoked key', async () => {
    const other = key('ed25519');
    const calls: string[] = [];
    expect(await check(`10.0.0.1 ${other.pub}\n@cert-authority * ${ca.pub}\n`, [cert], calls)).toMatchObject({ ok: false, kind: 'changed' });
    expect(await check(`@revoked * ${host.pub}\n@cert-authority * ${ca.pub}\n`, [cert], calls)).toMatchObject({ ok: false, kind: 'revoked' });
    expect(calls).toEqual([]);
  });
});
