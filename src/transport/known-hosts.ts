// known_hosts: plain, wildcard, [host]:port, hashed (|1|salt|hash), @revoked, @cert-authority.
// Verification is strict: unknown and changed keys are refused with their fingerprints.
import { createHash, createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

export interface KnownHostEntry {
  marker?: '@cert-authority' | '@revoked';
  patterns: string[];
  keyType: string;
  key: Buffer;
  file: string;
  line: number;
}

export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH wire-format public key blob. */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('ascii');
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const parts = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (parts[0] === '@cert-authority' || parts[0] === '@revoked') marker = parts.shift() as KnownHostEntry['marker'];
    const [hosts, keyType, b64] = parts;
    if (!hosts || !keyType || !b64) return;
    out.push({ marker, patterns: hosts.split(','), keyType, key: Buffer.from(b64, 'base64'), file, line: i + 1 });
  });
  return out;
}

export const hostKeyName = (host: string, port: number): string => (port === 22 ? host : `[${host}]:${port}`);

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|\\[\]]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt = '', hash = ''] = pattern.split('|');
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return globMatch(pattern, name);
}

export function entryMatches(e: KnownHostEntry, name: string): boolean {
  let matched = false;
  for (const p of e.patterns) {
    if (p.startsWith('!')) {
      if (patternMatches(p.slice(1), name)) return false;
    } else if (patternMatches(p, name)) matched = true;
  }
  return matched;
}

export type Verdict = { ok: true } | { ok: false; kind: 'unknown' | 'changed' | 'revoked'; message: string };

export function verifyHostKey(entries: readonly KnownHostEntry[], host: string, port: number, keyBlob: Buffer): Verdict {
  const name = hostKeyName(host, port);
  const type = keyTypeOf(keyBlob);
  const fp = fingerprint(keyBlob);
  if (entries.some((e) => e.marker === '@revoked' && e.key.equals(keyBlob))) {
    return { ok: false, kind: 'revoked', message: `host key of ${name} (${type} ${fp}) is marked @revoked in known_hosts; refusing to connect` };
  }
  const mine = entries.filter((e) => !e.marker && entryMatches(e, name));
  if (mine.some((e) => e.key.equals(keyBlob))) return { ok: true };
  const sameType = mine.filter((e) => e.keyType === type);
  if (sameType.length > 0) {
    const e = sameType[0]!;
    return {
      ok: false,
      kind: 'changed',
      message: `HOST KEY CHANGED for ${name}: known_hosts (${e.file}:${e.line}) has ${type} ${fingerprint(e.key)}, the host offered ${fp}. This may be an attack or a reinstalled host; verify it out of band, then replace the entry.`,
    };
  }
  return {
    ok: false,
    kind: 'unknown',
    message: `unknown host key for ${name}: ${type} ${fp}; verify it out of band, then add it with: ssh-keyscan -p ${port} ${host} >> ~/.ssh/known_hosts`,
  };
}

export function loadKnownHosts(files: readonly string[]): KnownHostEntry[] {
  return files.filter((f) => existsSync(f)).flatMap((f) => parseKnownHosts(readFileSync(f, 'utf8'), f));
}
