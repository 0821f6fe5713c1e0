import { afterEach, describe, expect, it } from 'vitest';
import { clearSecrets, redact, redactDeep, registerNamedSecrets, registerSecret, SECRET_MARKER, SECRET_NAME } from '../../src/secrets/registry.js';

afterEach(() => clearSecrets());

describe('redact', () => {
  it('replaces every occurrence of a secret with the marker', () => {
    registerSecret('hunter22');
    expect(redact('pw=hunter22; again hunter22.')).toBe(`pw=${SECRET_MARKER}; again ${SECRET_MARKER}.`);
  });

  it('leaves text alone when nothing is secret, and ignores values shorter than 4 characters', () => {
    expect(redact('hunter22')).toBe('hunter22');
    registerSecret('abc');
    expect(redact('abc abcd')).toBe('abc abcd');
  });

  it('replaces the longer of two overlapping secrets whole, and regex characters literally', () => {
    registerSecret('pass');
    registerSecret('pass.word$1');
    expect(redact('x pass.word$1 y passXword')).toBe(`x ${SECRET_MARKER} y ${SECRET_MARKER}Xword`);
  });

  it('finds the JSON-escaped form and each line of a multi-line secret', () => {
    registerSecret('a"quote"b\\c');
    expect(redact(JSON.stringify({ v: 'a"quote"b\\c' }))).not.toContain('quote');
    registerSecret('-----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQAB\n-----END KEY-----\n');
    expect(redact('+AAAAB3NzaC1yc2EAAAADAQAB')).toBe(`+${SECRET_MARKER}`);
  });

  it('redacts numbers given as secrets, and every string inside a value', () => {
    registerSecret(123456);
    const v = redactDeep({ a: ['x 123456', 7], b: { c: '123456' }, n: null });
    expect(v).toEqual({ a: [`x ${SECRET_MARKER}`, 7], b: { c: SECRET_MARKER }, n: null });
  });
});

describe('naming rule', () => {
  it('matches the usual secret names only', () => {
    for (const n of ['password', 'db_password', 'ansible_ssh_pass', 'API_TOKEN', 'app_secret', 'deploy_private_key', 'stripe_api_key', 'ldap_passwd']) expect(n).toMatch(SECRET_NAME);
    for (const n of ['bypass', 'passwords_file', 'ansible_ssh_private_key_file', 'token_ttl', 'secretary', 'user']) expect(n).not.toMatch(SECRET_NAME);
  });

  it('registers values under secret names at any depth, whole structures under a secret name', () => {
    registerNamedSecrets({ user: 'alice', db: { password: 'pa55word' }, tokens: [], api_token: { a: 'tok-1234', b: ['tok-5678'] } });
    expect(redact('alice pa55word tok-1234 tok-5678')).toBe(`alice ${SECRET_MARKER} ${SECRET_MARKER} ${SECRET_MARKER}`);
  });
});
