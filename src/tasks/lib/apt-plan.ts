// Pure apt decisions: which version a request means, and whether the index must be refreshed.
import { compareDebVersions } from '../../util/debversion.js';
import type { AptPackage } from '../../facts/apt.js';

/** '1.7.28-1' matches itself and '1.7.28-1~debian.12~bookworm'; '1.7.28-1*' is a glob prefix. */
export function matchVersion(pkg: AptPackage, want: string): string | undefined {
  const exact = pkg.versions.find((v) => v.version === want);
  if (exact) return exact.version;
  const prefix = want.endsWith('*') ? want.slice(0, -1) : want;
  const hits = pkg.versions.filter((v) => v.version.startsWith(want.endsWith('*') ? prefix : `${prefix}~`) || (want.endsWith('*') && v.version.startsWith(prefix)));
  return hits.sort((a, b) => compareDebVersions(b.version, a.version))[0]?.version;
}

export const versionMatches = (installed: string | undefined, want: string): boolean =>
  installed !== undefined && (installed === want || installed.startsWith(want.endsWith('*') ? want.slice(0, -1) : `${want}~`));
