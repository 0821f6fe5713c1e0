// Pure apt decisions: which version a request means, whether the index must be refreshed first,
// and what one package needs (install, upgrade, downgrade, remove, nothing).
import { compareDebVersions } from '../../util/debversion.js';
import type { AptPackage } from '../../facts/apt.js';

/** '1.7.28-1' matches itself and '1.7.28-1~debian.12~bookworm'; '1.7.28-1*' is a glob prefix. */
export function matchVersion(pkg: AptPackage, want: string): string | undefined {
  const hits = pkg.versions.filter((v) => versionMatches(v.version, want));
  const exact = hits.find((v) => v.version === want);
  if (exact) return exact.version;
  return hits.sort((a, b) => compareDebVersions(b.version, a.version))[0]?.version;
}

export const versionMatches = (installed: string | undefined, want: string): boolean =>
  installed !== undefined && (installed === want || installed.startsWith(want.endsWith('*') ? want.slice(0, -1) : `${want}~`));

export interface AptWant {
  state: 'present' | 'absent' | 'latest';
  version?: string;
  allow_downgrade: boolean;
  /** true: refresh when the index is stale even with nothing to install; 'auto': only for an install */
  update_cache: boolean | 'auto';
  cache_valid_time: number;
  purge: boolean;
}

export type PackageAction =
  | { kind: 'none' }
  | { kind: 'install'; spec: string; summary: string; refresh: boolean; downgrade: boolean; held: boolean; warning?: string }
  | { kind: 'remove'; summary: string; held: boolean };

const after = ' (version decided after the refresh)';

/** What one package needs. Throws, with the fix, for a request it refuses. */
export function packageAction(w: AptWant, p: AptPackage): PackageAction {
  if (p.broken) throw new Error(`${p.name} is in dpkg state '${p.broken}'; repair it first (dpkg --configure -a, or apt-get -f install)`);
  if (w.state === 'absent') {
    if (p.installed) return { kind: 'remove', summary: `${w.purge ? 'purge' : 'remove'} ${p.name} ${p.installed}`, held: p.held };
    if (w.purge && p.configFiles) return { kind: 'remove', summary: `purge the configuration files of ${p.name}`, held: p.held };
    return { kind: 'none' };
  }
  const stale = p.listsAge > w.cache_valid_time && w.update_cache !== false;
  const was = p.installed ? ` (installed: ${p.installed})` : '';
  if (w.version !== undefined) {
    if (versionMatches(p.installed, w.version)) return { kind: 'none' };
    const known = matchVersion(p, w.version);
    if (!known) {
      if (w.update_cache === false) throw new Error(`${p.name} ${w.version} is not available (known: ${p.versions.map((x) => x.version).join(', ') || 'none'}); set update_cache to refresh the index, or add the repository`);
      const lower = p.installed !== undefined && !w.version.includes('*') && compareDebVersions(w.version, p.installed) < 0;
      if (lower && !w.allow_downgrade) throw downgradeRefused(p, w.version);
      return { kind: 'install', spec: `${p.name}=${w.version}`, summary: `install ${p.name} ${w.version}${was}`, refresh: true, downgrade: w.allow_downgrade && p.installed !== undefined, held: p.held };
    }
    const down = p.installed !== undefined && compareDebVersions(known, p.installed) < 0;
    if (down && !w.allow_downgrade) throw downgradeRefused(p, known);
    const verb = p.installed === undefined ? 'install' : down ? 'downgrade' : 'upgrade';
    const summary = p.installed === undefined ? `install ${p.name} ${known}` : `${verb} ${p.name} ${p.installed} -> ${known}`;
    return { kind: 'install', spec: `${p.name}=${known}`, summary, refresh: stale, downgrade: down, held: p.held };
  }
  if (!p.installed) {
    if (!p.candidate && w.update_cache === false) throw new Error(`${p.name} has no installation candidate; set update_cache to refresh the index, or add the repository`);
    const refresh = !p.candidate || stale;
    return { kind: 'install', spec: p.name, summary: `install ${p.name}${refresh ? after : ` ${p.candidate}`}`, refresh, downgrade: false, held: false };
  }
  if (w.state !== 'latest') return { kind: 'none' };
  // 'latest' against a stale index is a guess: refresh, then let apt decide
  if (stale) return { kind: 'install', spec: p.name, summary: `upgrade ${p.name} if a newer version is available${was}`, refresh: true, downgrade: false, held: p.held, ...heldWarning(p) };
  if (!p.candidate || p.candidate === p.installed || compareDebVersions(p.candidate, p.installed) < 0) return { kind: 'none' };
  return { kind: 'install', spec: p.name, summary: `upgrade ${p.name} ${p.installed} -> ${p.candidate}`, refresh: false, downgrade: false, held: p.held, ...heldWarning(p) };
}

const heldWarning = (p: AptPackage) => (p.held ? { warning: `${p.name} is held; state latest upgrades it anyway` } : {});

function downgradeRefused(p: AptPackage, v: string): Error {
  return new Error(`${p.name} ${p.installed} is installed and ${v} is lower; set allow_downgrade: true to downgrade`);
}

/** One line saying why nothing needs doing. */
export function okReason(names: string[], w: AptWant, hold: boolean | undefined): string {
  const state = w.state === 'absent' ? (w.purge ? 'absent (purged)' : 'absent') : w.version ? `at ${w.version}` : w.state === 'latest' ? 'at the candidate version' : 'installed';
  const held = hold === undefined || w.state === 'absent' ? '' : hold ? ' and held' : ' and not held';
  return `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} ${state}${held}`;
}
