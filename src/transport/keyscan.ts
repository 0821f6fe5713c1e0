// Fetch a host's OpenSSH host certificates with `ssh-keyscan -c`: ssh2 cannot negotiate
// certificate host key algorithms, so the certificate travels over a separate, unauthenticated
// connection. That is safe because a certificate only counts once host-cert.ts has checked the CA
// signature and that it certifies the key the host proved it holds in fleet's own handshake.
import { execFile } from 'node:child_process';

/** `ssh-keyscan -t` names for host key types */
const SCAN_TYPE: Record<string, string> = {
  'ssh-ed25519': 'ed25519',
  'ecdsa-sha2-nistp256': 'ecdsa',
  'ecdsa-sha2-nistp384': 'ecdsa',
  'ecdsa-sha2-nistp521': 'ecdsa',
  'ssh-rsa': 'rsa',
};

export class KeyscanError extends Error {}

export type FetchCerts = (host: string, port: number, keyType: string, timeoutMs: number) => Promise<Buffer[]>;

/** Certificates in ssh-keyscan -c output: `type base64` lines (OpenSSH 9.2 prints no host name
 *  before a certificate; a leading name is tolerated). Comments and plain keys are skipped. */
export function parseKeyscanCerts(out: string): Buffer[] {
  return out.split('\n').flatMap((l) => {
    const f = l.trim().split(/\s+/);
    if (f[0]?.startsWith('#')) return [];
    const i = f.findIndex((w) => w.endsWith('-cert-v01@openssh.com'));
    return i >= 0 && i <= 1 && f[i + 1] ? [Buffer.from(f[i + 1]!, 'base64')] : [];
  });
}

export const fetchHostCerts: FetchCerts = (host, port, keyType, timeoutMs) => {
  const t = SCAN_TYPE[keyType];
  if (!t) return Promise.reject(new KeyscanError(`no host certificate can be requested for a ${keyType} key`));
  const secs = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
  return new Promise((resolve, reject) => {
    execFile('ssh-keyscan', ['-c', '-T', secs, '-p', String(port), '-t', t, '--', host], { timeout: timeoutMs + 2000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new KeyscanError('ssh-keyscan is not installed; install openssh-client (apt-get install openssh-client) to verify host certificates'));
      const certs = parseKeyscanCerts(stdout);
      if (certs.length) return resolve(certs);
      const why = stderr.split('\n').filter((l) => l.trim() && !l.startsWith('#')).join('; ') || (err ? err.message : '');
      if (err) return reject(new KeyscanError(`ssh-keyscan failed: ${why}`));
      resolve([]); // the host answered but has no certificate for this key type
    });
  });
};
