// `fleet trust`: fetch each host's key, classify it against known_hosts, and say which new keys
// to record where. Fetching is I/O (SshTransport.probeHostKey); classification and the choice of
// lines are pure. A changed or revoked key is never recorded: replacing a key is a human decision.
// A key of a new type for a host known by a key of another type is flagged (an attacker who cannot
// show the known key offers another type: a downgrade) and recorded only when explicitly allowed.
import { checkHostKey } from './host-check.js';
import { classifyHostKey, fingerprint, hasCertAuthority, hostKeyName, keyTypeOf, loadKnownHosts, type KnownHostEntry } from './known-hosts.js';
import { knownHostsLine } from './known-hosts-write.js';
import { mapPool } from '../util/pool.js';
import { SshTransport } from './ssh.js';
import { TransportError, type ConnectionSpec } from './transport.js';

export type TrustStatus = 'known' | 'new' | 'new-type' | 'changed' | 'revoked' | 'unreachable' | 'skipped';

export interface TrustRow {
  /** inventory name */
  host: string;
  /** host:port actually connected to */
  address: string;
  status: TrustStatus;
  /** known_hosts name: `host` or `[host]:port` */
  name?: string;
  key?: Buffer;
  /** known: the line (or CA) that vouches; changed/revoked: the line that refuses; unreachable/skipped: why */
  detail?: string;
  /** changed: the fingerprint known_hosts holds */
  oldFingerprint?: string;
  /** new-type: the key types known_hosts holds for the host */
  knownTypes?: string[];
  /** where a new key would be recorded */
  file?: string;
}

export interface ScanOptions {
  /** record into this file instead of each host's first known_hosts file */
  knownHostsFile?: string;
  concurrency?: number;
  /** for tests: how a host's key is fetched */
  probe?: (spec: ConnectionSpec, alsoKnown: string[]) => Promise<{ host: string; port: number; knownHostsFiles: string[]; key: Buffer }>;
}

const where = (e: KnownHostEntry) => `${e.file}:${e.line}`;

/** Pure: what known_hosts says about the key one host offered. */
export function classifyTrust(entries: readonly KnownHostEntry[], row: Pick<TrustRow, 'host' | 'address'>, host: string, port: number, key: Buffer, file: string): TrustRow {
  const base = { ...row, name: hostKeyName(host, port), key, file };
  const s = classifyHostKey(entries, host, port, key);
  if (s.status === 'known') return { ...base, status: 'known', detail: where(s.entry) };
  if (s.status === 'revoked') return { ...base, status: 'revoked', detail: `@revoked in ${where(s.entry)}` };
  if (s.status === 'changed') return { ...base, status: 'changed', detail: where(s.entry), oldFingerprint: fingerprint(s.entry.key) };
  if (s.otherTypes.length) return { ...base, status: 'new-type', knownTypes: s.otherTypes };
  return { ...base, status: 'new' };
}

const defaultProbe: NonNullable<ScanOptions['probe']> = async (spec, alsoKnown) => {
  const { hop, key } = await new SshTransport(spec).probeHostKey(alsoKnown);
  return { host: hop.host, port: hop.port, knownHostsFiles: hop.knownHostsFiles, key };
};

/** Fetch and classify every host's key; an unreachable host is a row, never an exception. */
export async function scanHostKeys(hosts: readonly { host: string; spec: ConnectionSpec }[], opts: ScanOptions = {}): Promise<TrustRow[]> {
  const probe = opts.probe ?? defaultProbe;
  return mapPool(hosts, opts.concurrency ?? 20, async ({ host, spec }): Promise<TrustRow> => {
    const address = `${spec.host}:${spec.port}`;
    if (spec.connection === 'local') return { host, address: 'local', status: 'skipped', detail: 'local connection, no host key' };
    if (spec.connection === 'pct') return { host, address: `pct on ${spec.host}`, status: 'skipped', detail: "pct guest, reached through its node's connection" };
    try {
      const extra = opts.knownHostsFile ? [opts.knownHostsFile] : [];
      const p = await probe(spec, extra);
      const file = opts.knownHostsFile ?? p.knownHostsFiles[0]!;
      const entries = loadKnownHosts([...new Set([...p.knownHostsFiles, ...extra])]);
      const row = classifyTrust(entries, { host, address: `${p.host}:${p.port}` }, p.host, p.port, p.key, file);
      if ((row.status !== 'new' && row.status !== 'new-type') || !hasCertAuthority(entries, p.host, p.port)) return row;
      // not listed by key, but a CA may vouch for it: connecting would succeed, nothing to record
      const v = await checkHostKey({ entries, host: p.host, port: p.port, key: p.key, timeoutMs: spec.connectTimeoutMs ?? 10_000 });
      return v.ok ? { ...row, status: 'known', detail: 'host certificate signed by a @cert-authority' } : { ...row, detail: v.message };
    } catch (e) {
      const why = e instanceof TransportError ? e.message : `${address}: ${(e as Error).message}`;
      return { host, address, status: 'unreachable', detail: why };
    }
  });
}

/** The lines to append, per file: new keys only (new types of known hosts only if `allowNewType`),
 *  each name+key once (two inventory names may share an address). */
export function linesToRecord(rows: readonly TrustRow[], hash: boolean, allowNewType = false): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const r of rows) {
    if (!(r.status === 'new' || (r.status === 'new-type' && allowNewType)) || !r.key || !r.name || !r.file) continue;
    const id = `${r.file}\0${r.name}\0${r.key.toString('base64')}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.set(r.file, [...(out.get(r.file) ?? []), knownHostsLine(r.name, r.key, hash)]);
  }
  return out;
}

export const keyTypeOfRow = (r: TrustRow): string => (r.key ? keyTypeOf(r.key) : '-');
export const fingerprintOfRow = (r: TrustRow): string => (r.key ? fingerprint(r.key) : '-');
