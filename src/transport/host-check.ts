// The whole host key decision: known_hosts first (plain keys, @revoked); when the key is not
// listed and a @cert-authority line matches the host, the host's certificate for that key is
// fetched and must pass host-cert.ts. Runs inside ssh2's async hostVerifier, so nothing is sent
// to the host (no user name, no key) before this says yes.
import { checkHostCert } from './host-cert.js';
import { fingerprint, hasCertAuthority, hostKeyName, keyTypeOf, verifyHostKey, type KnownHostEntry, type Verdict } from './known-hosts.js';
import { fetchHostCerts, type FetchCerts } from './keyscan.js';

export interface HostCheck {
  entries: readonly KnownHostEntry[];
  host: string;
  port: number;
  /** the key the host offered in the handshake */
  key: Buffer;
  /** the known_hosts file named in the fix for an unknown key */
  addTo?: string;
  timeoutMs: number;
  fetchCerts?: FetchCerts;
  now?: Date;
}

export async function checkHostKey(c: HostCheck): Promise<Verdict> {
  const v = verifyHostKey(c.entries, c.host, c.port, c.key, c.addTo);
  if (v.ok || v.kind !== 'unknown' || !hasCertAuthority(c.entries, c.host, c.port)) return v;
  const name = hostKeyName(c.host, c.port);
  const type = keyTypeOf(c.key);
  const refuse = (why: string): Verdict => ({ ok: false, kind: 'certificate', message: `host certificate of ${name} refused: ${why} (host key ${type} ${fingerprint(c.key)} is trusted only through a @cert-authority line)` });
  let certs: Buffer[];
  try {
    certs = await (c.fetchCerts ?? fetchHostCerts)(c.host, c.port, type, c.timeoutMs);
  } catch (e) {
    return refuse(`cannot fetch it: ${(e as Error).message}`);
  }
  if (!certs.length) return refuse(`the host presents no certificate for its ${type} key`);
  const reasons: string[] = [];
  for (const cert of certs) {
    const r = checkHostCert(cert, { name, principal: c.host, hostKey: c.key, entries: c.entries, now: c.now ?? new Date() });
    if (r.ok) return { ok: true };
    reasons.push(r.reason);
  }
  return refuse([...new Set(reasons)].join('; '));
}
