// known_hosts: plain names, comma lists, wildcards and negation, [host]:port, hashed entries
// (|1|salt|hash), @revoked and @cert-authority. Verification is strict and pure: unknown and
// changed keys are refused with their fingerprints, a revoked key always.
//
// @cert-authority lines are honoured by host-check.ts, not here: ssh2 cannot negotiate
// *-cert-v01@openssh.com, so the host's certificate is fetched apart and checked against the key
// the host proved it holds (host-cert.ts). This file only decides about plain keys.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { globMatch, listMatches } from './host-pattern.js';
import { WireReader } from './ssh-wire.js';

export interface KnownHostEntry {
  marker?: '@cert-authority' | '@revoked';
  patterns: string[];
  keyType: string;
  key: Buffer;
  file: string;
  line: number;
}

/** OpenSSH's fingerprint format: `SHA256:` + unpadded base64 of sha256(key blob). */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH wire-format public key blob. */
export function keyTypeOf(blob: Buffer): string {
  try {
    return new WireReader(blob).text('key type');
  } catch {
    return 'unknown'; // truncated: not a key
  }
}

/** Malformed lines are skipped, as OpenSSH does; they can only make a host unknown, never trusted. */
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const parts = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (parts[0] === '@cert-authority' || parts[0] === '@revoked') marker = parts.shift() as KnownHostEntry['marker'];
    else if (parts[0]?.startsWith('@')) return; // unknown marker
    const [hosts, keyType, b64] = parts;
    if (!hosts || !keyType || !b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) return;
    const key = Buffer.from(b64, 'base64');
    if (keyTypeOf(key) !== keyType) return; // the type field must agree with the blob
    out.push({ marker, patterns: hosts.split(','), keyType, key, file, line: i + 1 });
  });
  return out;
}

/** The name known_hosts stores a host under: `host` on port 22, `[host]:port` otherwise. */
export const hostKeyName = (host: string, port: number): string => {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
};

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt = '', hash = ''] = pattern.split('|');
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return globMatch(pattern, name);
}

export function entryMatches(e: KnownHostEntry, name: string): boolean {
  return listMatches(e.patterns, name, patternMatches);
}

export type Verdict = { ok: true } | { ok: false; kind: 'unknown' | 'changed' | 'revoked' | 'certificate'; message: string };

/** What known_hosts says about one key a host offered; `entry` is the line that decided. */
export type KeyStatus =
  | { status: 'known'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry }
  | { status: 'changed'; entry: KnownHostEntry }
  | { status: 'unknown'; otherTypes: string[] };

/**
 * A revoked key is refused even when also listed. "changed": a line for this name holds another
 * key of the same type. A host listed only with keys of other types is "unknown" for this type
 * (as OpenSSH), not changed.
 */
export function classifyHostKey(entries: readonly KnownHostEntry[], host: string, port: number, keyBlob: Buffer): KeyStatus {
  const name = hostKeyName(host, port);
  const revoked = entries.find((e) => e.marker === '@revoked' && e.key.equals(keyBlob));
  if (revoked) return { status: 'revoked', entry: revoked };
  const mine = entries.filter((e) => !e.marker && entryMatches(e, name));
  const same = mine.find((e) => e.key.equals(keyBlob));
  if (same) return { status: 'known', entry: same };
  const type = keyTypeOf(keyBlob);
  const changed = mine.find((e) => e.keyType === type);
  if (changed) return { status: 'changed', entry: changed };
  return { status: 'unknown', otherTypes: [...new Set(mine.map((e) => e.keyType))] };
}

/** Decide about the key a host offered. `addTo` is the known_hosts file named in the fix. */
export function verifyHostKey(entries: readonly KnownHostEntry[], host: string, port: number, keyBlob: Buffer, addTo = '~/.ssh/known_hosts'): Verdict {
  const name = hostKeyName(host, port);
  const type = keyTypeOf(keyBlob);
  const fp = fingerprint(keyBlob);
  const s = classifyHostKey(entries, host, port, keyBlob);
  if (s.status === 'known') return { ok: true };
  if (s.status === 'revoked') {
    return { ok: false, kind: 'revoked', message: `host key of ${name} (${type} ${fp}) is marked @revoked in ${s.entry.file}:${s.entry.line}; refusing to connect` };
  }
  if (s.status === 'changed') {
    return {
      ok: false,
      kind: 'changed',
      message: `HOST KEY CHANGED for ${name}: ${s.entry.file}:${s.entry.line} has ${type} ${fingerprint(s.entry.key)}, the host offered ${fp}. This may be an attack or a reinstalled host; verify the new key out of band, then remove the old line with: ssh-keygen -R '${name}' -f ${s.entry.file}`,
    };
  }
  const note = s.otherTypes.length ? ` (known_hosts lists only ${s.otherTypes.join(', ')} keys for it)` : '';
  return {
    ok: false,
    kind: 'unknown',
    message: `unknown host key for ${name}: ${type} ${fp}${note}; verify it out of band, then record it with \`fleet trust\` or: ssh-keyscan -p ${port} ${host} >> ${addTo}`,
  };
}

/** Is some @cert-authority line meant for this host? */
export const hasCertAuthority = (entries: readonly KnownHostEntry[], host: string, port: number): boolean =>
  entries.some((e) => e.marker === '@cert-authority' && entryMatches(e, hostKeyName(host, port)));

/**
 * Host key algorithms to offer, those known for this host first: a host listed with only its RSA
 * key would otherwise show its ed25519 key and be refused as unknown (OpenSSH does the same).
 */
export function preferredHostKeyAlgorithms(entries: readonly KnownHostEntry[], host: string, port: number, supported: readonly string[]): string[] {
  const name = hostKeyName(host, port);
  const known = entries.filter((e) => !e.marker && entryMatches(e, name)).map((e) => e.keyType);
  const algs = known.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
  return [...new Set([...algs.filter((a) => supported.includes(a)), ...supported])];
}

// Parsed once per file version and shared by every connection: a fleet's known_hosts lists every
// host, so a copy per host made memory and parse time grow with hosts² (1 MB per host at 250).
const parsed = new Map<string, { version: string; entries: KnownHostEntry[] }>();

export function loadKnownHosts(files: readonly string[]): KnownHostEntry[] {
  return files.flatMap((f) => {
    const st = statSync(f, { throwIfNoEntry: false, bigint: true });
    if (!st) return [];
    const version = `${st.ino}:${st.size}:${st.mtimeNs}`;
    let hit = parsed.get(f);
    if (hit?.version !== version) {
      hit = { version, entries: parseKnownHosts(readFileSync(f, 'utf8'), f) };
      parsed.set(f, hit);
    }
    return hit.entries;
  });
}
