// SSH public keys and signatures (RFC 4253 §6.6, RFC 5656, RFC 8332, RFC 8709) checked with
// node:crypto: used to verify a host certificate's CA signature. SHA-1 RSA signatures (`ssh-rsa`)
// are refused, as OpenSSH refuses them for certificates since 8.2.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { WireError, WireReader } from './ssh-wire.js';

const CURVES: Record<string, { crv: string; size: number; hash: string }> = {
  nistp256: { crv: 'P-256', size: 32, hash: 'sha256' },
  nistp384: { crv: 'P-384', size: 48, hash: 'sha384' },
  nistp521: { crv: 'P-521', size: 66, hash: 'sha512' },
};
const RSA_SIGS: Record<string, string> = { 'rsa-sha2-256': 'sha256', 'rsa-sha2-512': 'sha512' };

const b64url = (b: Buffer) => b.toString('base64url');
const pad = (b: Buffer, size: number) => (b.length >= size ? b : Buffer.concat([Buffer.alloc(size - b.length), b]));

/** A public key blob (`ssh-ed25519`, `ecdsa-sha2-nistp*`, `ssh-rsa`) as a node KeyObject. */
export function sshPublicKey(blob: Buffer): { type: string; key: KeyObject } {
  const r = new WireReader(blob);
  const type = r.text('key type');
  if (type === 'ssh-ed25519') {
    const pk = r.bytes('ed25519 key');
    if (pk.length !== 32) throw new WireError('bad ed25519 key length');
    return { type, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(pk) }, format: 'jwk' }) };
  }
  const ec = /^ecdsa-sha2-(nistp\d+)$/.exec(type);
  if (ec) {
    const curve = CURVES[ec[1]!];
    if (!curve || r.text('curve') !== ec[1]) throw new WireError(`unsupported ECDSA curve in ${type}`);
    const q = r.bytes('EC point');
    if (q.length !== 1 + 2 * curve.size || q[0] !== 4) throw new WireError('EC point is not uncompressed');
    const x = q.subarray(1, 1 + curve.size);
    const y = q.subarray(1 + curve.size);
    return { type, key: createPublicKey({ key: { kty: 'EC', crv: curve.crv, x: b64url(x), y: b64url(y) }, format: 'jwk' }) };
  }
  if (type === 'ssh-rsa') {
    const e = r.mpint('RSA e');
    const n = r.mpint('RSA n');
    return { type, key: createPublicKey({ key: { kty: 'RSA', e: b64url(e), n: b64url(n) }, format: 'jwk' }) };
  }
  throw new WireError(`unsupported key type ${type}`);
}

/**
 * Does `sigBlob` (an SSH signature: string algorithm, string data) sign `data` with the key in
 * `keyBlob`? Returns a reason when not; never throws for hostile input.
 */
export function verifySshSignature(keyBlob: Buffer, data: Buffer, sigBlob: Buffer): { ok: true } | { ok: false; reason: string } {
  try {
    const { type, key } = sshPublicKey(keyBlob);
    const r = new WireReader(sigBlob);
    const alg = r.text('signature algorithm');
    const sig = r.bytes('signature');
    let good: boolean;
    if (type === 'ssh-ed25519') {
      if (alg !== type) return { ok: false, reason: `signature algorithm ${alg} does not fit a ${type} key` };
      good = verify(null, data, key, sig);
    } else if (type.startsWith('ecdsa-sha2-')) {
      if (alg !== type) return { ok: false, reason: `signature algorithm ${alg} does not fit a ${type} key` };
      const curve = CURVES[type.slice('ecdsa-sha2-'.length)]!;
      const rs = new WireReader(sig);
      const raw = Buffer.concat([pad(rs.mpint('ECDSA r'), curve.size), pad(rs.mpint('ECDSA s'), curve.size)]);
      if (raw.length !== 2 * curve.size) return { ok: false, reason: 'malformed ECDSA signature' };
      good = verify(curve.hash, data, { key, dsaEncoding: 'ieee-p1363' }, raw);
    } else {
      const hash = RSA_SIGS[alg];
      if (!hash) return { ok: false, reason: alg === 'ssh-rsa' ? 'SHA-1 RSA signature (ssh-rsa) refused; re-sign with rsa-sha2-512' : `signature algorithm ${alg} does not fit an RSA key` };
      good = verify(hash, data, key, sig);
    }
    return good ? { ok: true } : { ok: false, reason: 'bad signature' };
  } catch (e) {
    return { ok: false, reason: `malformed key or signature: ${(e as Error).message}` };
  }
}
