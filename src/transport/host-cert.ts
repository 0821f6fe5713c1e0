// OpenSSH host certificates (PROTOCOL.certkeys): parse, then decide whether one vouches for a host.
// Pure: the certificate bytes come from elsewhere (keyscan.ts) and may come from anyone, since a
// certificate authenticates itself: it counts only when a trusted CA signed it and it certifies
// the very key the host proved it holds during key exchange. Stricter than OpenSSH in one way: a
// certificate without principals (valid for any host) is refused.
import { entryMatches, fingerprint, type KnownHostEntry } from './known-hosts.js';
import { verifySshSignature } from './ssh-sig.js';
import { stringList, WireError, WireReader, wireString } from './ssh-wire.js';

const CERT_SUFFIX = '-cert-v01@openssh.com';
const HOST_CERT = 2;
const FOREVER = 0xffffffffffffffffn;

export interface HostCert {
  certType: string;
  /** the certified public key as a plain key blob (comparable to the handshake key) */
  publicKey: Buffer;
  serial: bigint;
  kind: number;
  keyId: string;
  principals: string[];
  validAfter: bigint;
  validBefore: bigint;
  criticalOptions: string[];
  signatureKey: Buffer;
  signature: Buffer;
  /** the bytes the CA signed: everything before the signature */
  signed: Buffer;
}

/** Throws WireError on a malformed or unsupported certificate. */
export function parseHostCert(blob: Buffer): HostCert {
  const r = new WireReader(blob);
  const certType = r.text('certificate type');
  if (!certType.endsWith(CERT_SUFFIX)) throw new WireError(`${certType} is not a certificate type`);
  const plainType = certType.slice(0, -CERT_SUFFIX.length);
  r.bytes('nonce');
  const start = r.offset;
  if (plainType === 'ssh-ed25519') r.bytes('ed25519 key');
  else if (/^ecdsa-sha2-nistp\d+$/.test(plainType)) (r.bytes('curve'), r.bytes('EC point'));
  else if (plainType === 'ssh-rsa') (r.bytes('RSA e'), r.bytes('RSA n'));
  else throw new WireError(`unsupported certificate type ${certType}`);
  const publicKey = Buffer.concat([wireString(plainType), blob.subarray(start, r.offset)]);
  const serial = r.uint64('serial');
  const kind = r.uint32('certificate kind');
  const keyId = r.text('key id');
  const principals = stringList(r.bytes('principals'), 'principal').map((p) => p.toString('utf8'));
  const validAfter = r.uint64('valid after');
  const validBefore = r.uint64('valid before');
  const options = new WireReader(r.bytes('critical options'));
  const criticalOptions: string[] = [];
  while (!options.done) {
    criticalOptions.push(options.text('option name'));
    options.bytes('option data');
  }
  r.bytes('extensions');
  r.bytes('reserved');
  const signatureKey = r.bytes('signature key');
  const signed = blob.subarray(0, r.offset);
  const signature = r.bytes('signature');
  if (!r.done) throw new WireError('trailing bytes after the signature');
  return { certType, publicKey, serial, kind, keyId, principals, validAfter, validBefore, criticalOptions, signatureKey, signature, signed };
}

const when = (secs: bigint) => (secs >= FOREVER ? 'forever' : new Date(Number(secs) * 1000).toISOString().replace('.000', ''));

export interface CertContext {
  /** the known_hosts name: `host` or `[host]:port` (what @cert-authority patterns match) */
  name: string;
  /** the host name the certificate must list as a principal */
  principal: string;
  /** the key the host proved it holds during key exchange */
  hostKey: Buffer;
  entries: readonly KnownHostEntry[];
  now: Date;
}

export type CertVerdict = { ok: true; cert: HostCert; ca: KnownHostEntry } | { ok: false; reason: string };

export function checkHostCert(blob: Buffer, c: CertContext): CertVerdict {
  let cert: HostCert;
  try {
    cert = parseHostCert(blob);
  } catch (e) {
    return { ok: false, reason: `malformed certificate: ${(e as Error).message}` };
  }
  const caFp = `${cert.signatureKey.length ? fingerprint(cert.signatureKey) : '(none)'}`;
  const revoked = c.entries.find((e) => e.marker === '@revoked' && e.key.equals(cert.signatureKey));
  if (revoked) return { ok: false, reason: `its CA key ${caFp} is @revoked in ${revoked.file}:${revoked.line}` };
  const ca = c.entries.find((e) => e.marker === '@cert-authority' && e.key.equals(cert.signatureKey) && entryMatches(e, c.name));
  if (!ca) return { ok: false, reason: `it is signed by CA ${caFp}, which no @cert-authority line for ${c.name} trusts (unknown CA)` };
  const sig = verifySshSignature(cert.signatureKey, cert.signed, cert.signature);
  if (!sig.ok) return { ok: false, reason: `CA signature check failed: ${sig.reason}` };
  if (cert.kind !== HOST_CERT) return { ok: false, reason: `it is a ${cert.kind === 1 ? 'user' : `type ${cert.kind}`} certificate, not a host certificate` };
  if (!cert.publicKey.equals(c.hostKey)) return { ok: false, reason: `it certifies key ${fingerprint(cert.publicKey)}, not the key the host proved it holds (${fingerprint(c.hostKey)})` };
  const now = BigInt(Math.floor(c.now.getTime() / 1000));
  if (now < cert.validAfter) return { ok: false, reason: `it is not valid yet (valid from ${when(cert.validAfter)})` };
  if (now >= cert.validBefore) return { ok: false, reason: `it expired at ${when(cert.validBefore)}` };
  if (cert.principals.length === 0) return { ok: false, reason: 'it lists no principals (valid for any host); fleet requires the host name among them' };
  if (!cert.principals.some((p) => p.toLowerCase() === c.principal.toLowerCase())) {
    return { ok: false, reason: `it is valid for ${cert.principals.join(', ')}, not for ${c.principal} (wrong principal)` };
  }
  if (cert.criticalOptions.length) return { ok: false, reason: `it has critical option(s) ${cert.criticalOptions.join(', ')}, which host certificates must not carry` };
  return { ok: true, cert, ca };
}
