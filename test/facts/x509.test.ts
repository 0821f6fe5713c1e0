// openssl x509 -noout -text, as openssl 3 prints it (fixtures made with openssl on Debian 12).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_AUTH, parseOpensslDate, parseX509Text, SERVER_AUTH } from '../../src/facts/x509.js';

const fx = (n: string) => readFileSync(new URL(`fixtures/${n}`, import.meta.url), 'utf8');

describe('x509 text', () => {
  it('reads dates as GMT', () => {
    expect(parseOpensslDate('Nov 23 09:12:50 2027 GMT')).toBe(Date.UTC(2027, 10, 23, 9, 12, 50) / 1000);
    expect(parseOpensslDate('Jan  1 00:00:00 2026 GMT')).toBe(Date.UTC(2026, 0, 1) / 1000);
    expect(parseOpensslDate('tomorrow')).toBeUndefined();
  });
  it('a CA: basic constraints CA:TRUE, self-issued', () => {
    const ca = parseX509Text(fx('x509-ca.txt'));
    expect(ca).toMatchObject({ subject: 'CN = fleet-lab-ca', issuer: 'CN = fleet-lab-ca', isCa: true, eku: undefined, san: undefined });
    expect(ca.notAfter! - ca.notBefore!).toBe(3650 * 86400); // -days 3650
  });
  it('a server certificate: SANs and serverAuth', () => {
    expect(parseX509Text(fx('x509-server-san.txt'))).toMatchObject({ subject: 'CN = docker.example', issuer: 'CN = fleet-lab-ca', isCa: false, eku: [SERVER_AUTH], san: ['DNS:docker.example', 'IP Address:10.0.0.5'] });
  });
  it('client certificates: with clientAuth, and with no extension at all', () => {
    expect(parseX509Text(fx('x509-client-auth.txt')).eku).toEqual([CLIENT_AUTH]);
    expect(parseX509Text(fx('x509-client-no-eku.txt'))).toMatchObject({ subject: 'CN = client', eku: undefined, isCa: false });
  });
});
