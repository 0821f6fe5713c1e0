// A package as dpkg and apt see it: installed version, hold, the apt-cache policy version table,
// and how old the package index is (measured with the host's clock, so plans stay pure).
import { sh } from '../shell/sh.js';
import type { Fact } from '../types.js';

export interface AptVersion {
  version: string;
  priority: number;
  installed: boolean;
}

export interface AptPackage {
  name: string;
  /** installed version, or undefined */
  installed?: string;
  held: boolean;
  candidate?: string;
  versions: AptVersion[];
  /** seconds since the package index was last refreshed (Infinity when there is none) */
  listsAge: number;
  /** removed, but its configuration files remain (dpkg 'config-files'): purge still has work */
  configFiles?: boolean;
  /** a dpkg state a plain install does not fix ('half-configured', 'unpacked', …) */
  broken?: string;
}

export interface AptPolicy {
  installed?: string;
  candidate?: string;
  versions: AptVersion[];
}

/** `LC_ALL=C apt-cache policy NAME`: the version table lines are ` *** VERSION PRIO` (installed)
 *  or `     VERSION PRIO`; the source lines under them are indented further and skipped. */
export function parseAptPolicy(text: string): AptPolicy {
  const val = (k: string) => {
    const m = new RegExp(`^\\s*${k}: (.+)$`, 'm').exec(text);
    return m && m[1]!.trim() !== '(none)' ? m[1]!.trim() : undefined;
  };
  const versions: AptVersion[] = [];
  for (const line of text.split('\n')) {
    const m = /^ (\*\*\*| {3}) (\S+) (-?\d+)$/.exec(line);
    if (m) versions.push({ version: m[2]!, priority: Number(m[3]), installed: m[1] === '***' });
  }
  return { installed: val('Installed'), candidate: val('Candidate'), versions };
}

/** `dpkg-query -W -f='${Status}|${Version}'`: 'install ok installed|1.2-3'; empty when unknown. */
export function parseDpkgStatus(line: string): Pick<AptPackage, 'installed' | 'configFiles' | 'broken'> {
  const [status = '', version = ''] = line.trim().split('|');
  const state = status.split(' ')[2] ?? 'not-installed';
  if (state === 'installed') return { installed: version };
  if (state === 'config-files') return { configFiles: true };
  if (state === 'not-installed') return {};
  return { broken: state };
}

// The index age: apt sets each list file's mtime to the server's Last-Modified, so those say
// nothing about when we fetched. A successful refresh touches update-success-stamp (apt's daily
// job and fleet's own refresh step do); new lists arriving touch the directory. No lists: no index.
const LISTS_AGE = sh`t=0
if ls /var/lib/apt/lists 2>/dev/null | grep -q _Packages; then t=$(stat -c %Y /var/lib/apt/periodic/update-success-stamp /var/lib/apt/lists 2>/dev/null | sort -n | tail -n1); fi
echo "lists:\${t:-0} $(date +%s)"`;

export function aptPackageFact(name: string): Fact<AptPackage> {
  return {
    key: `apt:${name}`,
    // framed as `key:value` lines, then the policy text after a marker line
    probe: sh`echo "dpkg:$(dpkg-query -W -f=${'${Status}|${Version}\\n'} ${name} 2>/dev/null | head -n1)"
if apt-mark showhold 2>/dev/null | grep -Fqx -- ${name}; then echo held:yes; else echo held:no; fi
${LISTS_AGE}
echo ---policy---
LC_ALL=C apt-cache policy ${name} 2>/dev/null
true`,
    // the index's age moves with the clock; what is installed and available does not
    fingerprint: (v) => ({ ...v, listsAge: undefined }),
    parse: (out) => parseAptProbe(name, out),
  };
}

export function parseAptProbe(name: string, out: string): AptPackage {
  const cut = out.indexOf('---policy---\n');
  const head = cut < 0 ? out : out.slice(0, cut);
  const rec = new Map(head.split('\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
  const policy = parseAptPolicy(cut < 0 ? '' : out.slice(cut + 13));
  const [newest = 0, now = 0] = (rec.get('lists') ?? '').trim().split(' ').map(Number);
  return {
    name,
    ...parseDpkgStatus(rec.get('dpkg') ?? ''),
    held: rec.get('held') === 'yes',
    candidate: policy.candidate,
    versions: policy.versions,
    listsAge: newest > 0 ? Math.max(0, now - newest) : Infinity,
  };
}
