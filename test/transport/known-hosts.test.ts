import { createHmac, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyHostKey, fingerprint, hasCertAuthority, keyTypeOf, loadKnownHosts, parseKnownHosts, preferredHostKeyAlgorithms, verifyHostKey } from '../../src/transport/known-hosts.js';

function keypair(type = 'ed25519'): { blob: Buffer; line: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-kh-'));
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', join(dir, 'k')]);
  const line = readFileSync(join(dir, 'k.pub'), 'utf8').trim();
  return { blob: Buffer.from(line.split(' ')[1]!, 'base64'), line, file: join(dir, 'k.pub') };
}

describe('known_hosts', () => {
  const a = keypair();
  const b = keypair();
  const [type, key] = a.line.split(' ');

  it('fingerprints like ssh-keygen -l', () => {
    const want = execFileSync('ssh-keygen', ['-l', '-f', a.file], { encoding: 'utf8' }).split(' ')[1];
    expect(fingerprint(a.blob)).toBe(want);
  });

  it('accepts a plain, a wildcard and a [host]:port entry', () => {
    const e = parseKnownHosts(`10.0.0.5,web1 ${type} ${key}\n*.lab ${type} ${key}\n[10.0.0.6]:2222 ${type} ${key}\n`, 'kh');
    expect(verifyHostKey(e, 'web1', 22, a.blob)).toEqual({ ok: true });
    expect(verifyHostKey(e, 'x.lab', 22, a.blob)).toEqual({ ok: true });
    expect(verifyHostKey(e, '10.0.0.6', 2222, a.blob)).toEqual({ ok: true });
    expect(verifyHostKey(e, '10.0.0.6', 22, a.blob).ok).toBe(false);
  });

  it('reads a file once for every connection, and again once it changed', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'fleet-kh-')), 'known_hosts');
    writeFileSync(f, `web1 ${type} ${key}\n`);
    const first = loadKnownHosts([f]);
    // the same parsed entries, not a copy per host (a copy per host grew with hosts²)
    expect(loadKnownHosts([f])[0]).toBe(first[0]);
    appendFileSync(f, `web2 ${type} ${key}\n`);
    expect(loadKnownHosts([f]).map((e) => e.patterns)).toEqual([['web1'], ['web2']]);
    expect(loadKnownHosts([`${f}.missing`])).toEqual([]);
  });

  it('accepts a hashed entry', () => {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update('10.1.2.3').digest('base64');
    const e = parseKnownHosts(`|1|${salt.toString('base64')}|${hash} ${type} ${key}\n`, 'kh');
    expect(verifyHostKey(e, '10.1.2.3', 22, a.blob)).toEqual({ ok: true });
    expect(verifyHostKey(e, '10.1.2.4', 22, a.blob).ok).toBe(false);
  });

  it('refuses an unknown host with its fingerprint and the fix', () => {
    const v = verifyHostKey([], 'h', 22, a.blob);
    expect(v).toMatchObject({ ok: false, kind: 'unknown' });
    expect(!v.ok && v.message).toContain(fingerprint(a.blob));
    expect(!v.ok && v.message).toContain('ssh-keyscan');
  });

  it('refuses a changed key naming both fingerprints', () => {
    const v = verifyHostKey(parseKnownHosts(`h ${type} ${key}\n`, 'kh'), 'h', 22, b.blob);
    expect(v).toMatchObject({ ok: false, kind: 'changed' });
    expect(!v.ok && v.message).toContain(fingerprint(a.blob));
    expect(!v.ok && v.message).toContain(fingerprint(b.blob));
  });

  it('refuses a @revoked key even when also listed', () => {
    const v = verifyHostKey(parseKnownHosts(`h ${type} ${key}\n@revoked * ${type} ${key}\n`, 'kh'), 'h', 22, a.blob);
    expect(v).toMatchObject({ ok: false, kind: 'revoked' });
  });

  it('honours negated patterns', () => {
    const e = parseKnownHosts(`*.lab,!bad.lab ${type} ${key}\n`, 'kh');
    expect(verifyHostKey(e, 'bad.lab', 22, a.blob).ok).toBe(false);
  });

  it('fingerprints an RSA and an ECDSA key like ssh-keygen -l too', () => {
    for (const k of [keypair('rsa'), keypair('ecdsa')]) {
      expect(fingerprint(k.blob)).toBe(execFileSync('ssh-keygen', ['-l', '-f', k.file], { encoding: 'utf8' }).split(' ')[1]);
    }
  });

  it('accepts entries hashed by ssh-keygen -H, including [host]:port', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-kh-'));
    const file = join(dir, 'known_hosts');
    writeFileSync(file, `web1.example ${type} ${key}\n[10.9.9.9]:2222 ${type} ${key}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('web1'); // really hashed
    const e = parseKnownHosts(text, file);
    expect(verifyHostKey(e, 'web1.example', 22, a.blob)).toEqual({ ok: true });
    expect(verifyHostKey(e, 'WEB1.example', 22, a.blob)).toEqual({ ok: true }); // names are case-insensitive
    expect(verifyHostKey(e, '10.9.9.9', 2222, a.blob)).toEqual({ ok: true });
    expect(verifyHostKey(e, '10.9.9.9', 22, a.blob).ok).toBe(false);
  });

  it('a changed key under a hashed entry is still "changed"', () => {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update('h').digest('base64');
    const v = verifyHostKey(parseKnownHosts(`|1|${salt.toString('base64')}|${hash} ${type} ${key}\n`, 'kh'), 'h', 22, b.blob);
    expect(v).toMatchObject({ ok: false, kind: 'changed' });
  });

  it('a @revoked key is refused for every host, naming where it is revoked', () => {
    const v = verifyHostKey(parseKnownHosts(`# comment\n@revoked * ${type} ${key}\n`, '/kh'), 'other', 2222, a.blob);
    expect(v).toMatchObject({ ok: false, kind: 'revoked' });
    expect(!v.ok && v.message).toContain('/kh:2');
  });

  it('a host known only with another key type is unknown (not changed), and says so', () => {
    const rsa = keypair('rsa');
    const [rt, rk] = rsa.line.split(' ');
    const v = verifyHostKey(parseKnownHosts(`h ${rt} ${rk}\n`, 'kh'), 'h', 22, a.blob, '/my/known_hosts');
    expect(v).toMatchObject({ ok: false, kind: 'unknown' });
    expect(!v.ok && v.message).toContain('lists only ssh-rsa keys');
    expect(!v.ok && v.message).toContain('ssh-keyscan -p 22 h >> /my/known_hosts');
  });

  it('a @cert-authority line never vouches for a plain key by itself (host-check.ts fetches the certificate)', () => {
    const e = parseKnownHosts(`@cert-authority *.lab ${type} ${key}\n`, 'kh');
    expect(verifyHostKey(e, 'x.lab', 22, a.blob)).toMatchObject({ ok: false, kind: 'unknown' });
    expect(hasCertAuthority(e, 'x.lab', 22)).toBe(true);
    expect(hasCertAuthority(e, 'x.other', 22)).toBe(false);
  });

  it('classifies a key as known, changed, revoked or unknown, naming the deciding line', () => {
    const e = parseKnownHosts(`# c\nh ${type} ${key}\n@revoked * ${b.line}\n`, '/kh');
    expect(classifyHostKey(e, 'h', 22, a.blob)).toMatchObject({ status: 'known', entry: { line: 2 } });
    expect(classifyHostKey(e, 'h', 22, b.blob)).toMatchObject({ status: 'revoked', entry: { line: 3 } });
    const c = keypair();
    expect(classifyHostKey(e, 'h', 22, c.blob)).toMatchObject({ status: 'changed', entry: { file: '/kh', line: 2 } });
    expect(classifyHostKey(e, 'h', 2222, c.blob)).toEqual({ status: 'unknown', otherTypes: [] });
  });

  it('tells how to remove the old line of a changed key', () => {
    const v = verifyHostKey(parseKnownHosts(`[h]:2222 ${type} ${key}\n`, '/kh'), 'h', 2222, b.blob);
    expect(!v.ok && v.message).toContain("ssh-keygen -R '[h]:2222' -f /kh");
  });

  it('skips malformed lines and lines whose type disagrees with the key', () => {
    const e = parseKnownHosts(`h ${type}\nh ssh-rsa ${key}\n@bogus h ${type} ${key}\nh ${type} !!notbase64\nok ${type} ${key}\n`, 'kh');
    expect(e.map((x) => x.line)).toEqual([5]);
  });

  it('reads the key type from the blob', () => {
    expect(keyTypeOf(a.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(Buffer.from([0, 0, 0, 99, 1]))).toBe('unknown');
  });

  it('offers the host key algorithms known for the host first', () => {
    const rsa = keypair('rsa');
    const [rt, rk] = rsa.line.split(' ');
    const supported = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
    const e = parseKnownHosts(`h ${rt} ${rk}\n`, 'kh');
    expect(preferredHostKeyAlgorithms(e, 'h', 22, supported)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519', 'ecdsa-sha2-nistp256']);
    expect(preferredHostKeyAlgorithms(e, 'other', 22, supported)).toEqual(supported);
  });
});
