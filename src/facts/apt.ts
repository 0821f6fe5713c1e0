// A package as dpkg and apt see it: installed version, hold, the apt-cache policy version table,
// and how old the package index is (the host's clock, so plans stay pure).
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
  /** seconds since the newest package list was fetched (Infinity when there is none) */
  listsAge: number;
}

export function parseAptPolicy(text: string): { installed?: string; candidate?: string; versions: AptVersion[] } {
  const val = (k: string) => {
    const m = new RegExp(`^\\s*${k}: (.+)$`, 'm').exec(text);
    return m && m[1] !== '(none)' ? m[1]!.trim() : undefined;
  };
  const versions: AptVersion[] = [];
  for (const line of text.split('\n')) {
    const m = /^ (\*\*\*| {3}) (\S+) (-?\d+)$/.exec(line);
    if (m) versions.push({ version: m[2]!, priority: Number(m[3]), installed: m[1] === '***' });
  }
  return { installed: val('Installed'), candidate: val('Candidate'), versions };
}

export function aptPackageFact(name: string): Fact<AptPackage> {
  return {
    key: `apt:${name}`,
    probe: sh`dpkg-query -W -f=${'${Status}|${Version}\n'} ${name} 2>/dev/null | head -n1
echo ---
apt-mark showhold 2>/dev/null | grep -Fx -- ${name}
echo ---
LC_ALL=C apt-cache policy ${name} 2>/dev/null
echo ---
n=$(stat -c %Y /var/lib/apt/lists/*_Packages 2>/dev/null | sort -n | tail -n1); echo "\${n:-0} $(date +%s)"`,
    // the index's age moves with the clock; what is installed and available does not
    fingerprint: (v) => ({ ...v, listsAge: undefined }),
    parse(out) {
      const [dpkg = '', hold = '', policy = '', age = ''] = out.split(/^---$/m);
      const [status = '', version = ''] = dpkg.trim().split('|');
      const p = parseAptPolicy(policy);
      const [newest = 0, now = 0] = age.trim().split(' ').map(Number);
      return {
        name,
        installed: / installed$/.test(status) ? version : undefined,
        held: hold.trim().split('\n').includes(name),
        candidate: p.candidate,
        versions: p.versions,
        listsAge: newest > 0 ? Math.max(0, now - newest) : Infinity,
      };
    },
  };
}
