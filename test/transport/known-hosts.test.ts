import { createHmac, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprint, parseKnownHosts, verifyHostKey } from '../../src/transport/known-hosts.js';

function keypair(): { blob: Buffer; line: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-kh-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
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
});
