// Before dockerd is told to use TLS material, the material must work: a restart with a missing file,
// a key of another certificate or a chain that does not verify leaves the host without dockerd.
// fleet runs no CA: it checks what is there and refuses, saying why, rather than make anything.
import type { CertFile, TlsFilesState, TlsPaths } from '../../facts/docker_socket.js';
import { SERVER_AUTH } from '../../facts/x509.js';

/** Why the material cannot be used (empty: it can). */
export function tlsRefusals(p: TlsPaths, files: TlsFilesState | undefined, certs: readonly CertFile[]): string[] {
  if (!files) return ['the TLS files were not read'];
  const missing = (['ca', 'cert', 'key'] as const).filter((r) => !files.files[r]).map((r) => ({ ca: p.cacert, cert: p.cert, key: p.key })[r]);
  if (missing.length) return [`${missing.join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist (fleet does not make certificates)`];
  if (!files.openssl) return ['openssl is not installed on the host: the certificates cannot be checked before dockerd uses them'];
  const out: string[] = [];
  const ca = certs.find((c) => c.path === p.cacert);
  const server = certs.find((c) => c.path === p.cert);
  if (!ca) out.push(`${p.cacert} is not a certificate`);
  if (!server) out.push(`${p.cert} is not a certificate`);
  if (ca && server && !files.verified) out.push(`${p.cert} does not verify against ${p.cacert} (openssl verify: ${lastLine(files.verifyOutput)})`);
  if (server && !files.keyMatches) out.push(`${p.key} is not the key of ${p.cert} (or is encrypted, which dockerd cannot read)`);
  if (server && !server.san?.length) out.push(`${p.cert} has no subjectAltName (Go clients refuse it)`);
  if (server?.eku && !server.eku.includes(SERVER_AUTH)) out.push(`${p.cert} has extendedKeyUsage ${server.eku.join(', ')} without serverAuth`);
  return out;
}

/** Caveats that do not stop the change. */
export function tlsWarnings(p: TlsPaths, files: TlsFilesState | undefined): string[] {
  const key = files?.files.key;
  if (!key) return [];
  const open = (parseInt(key.mode, 8) & 0o077) !== 0;
  return [...(open ? [`${p.key} is readable by group or others (mode ${key.mode}): chmod 600 it`] : []), ...(key.owner !== 'root' ? [`${p.key} is owned by ${key.owner}, not root`] : [])];
}

function lastLine(s: string): string {
  const lines = s.trim().split('\n').filter(Boolean);
  // openssl's useful line is the "error N at D depth lookup: ..." one, before the final "verification failed"
  return lines.find((l) => /^error \d+ at/.test(l)) ?? lines[lines.length - 1] ?? 'failed';
}
