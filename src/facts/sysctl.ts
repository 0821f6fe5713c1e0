// A kernel parameter's live value, read from /proc/sys (no dependency on procps' sysctl binary).
import { sh } from '../shell/sh.js';
import type { Fact } from '../types.js';

/** sysctl(8) naming: dots separate components, unless the name holds a '/' (then dots are part
 *  of a component, as in net/ipv4/conf/eth0.100/rp_filter). */
export function sysctlPath(name: string): string {
  return `/proc/sys/${name.includes('/') ? name.replace(/^\/+/, '') : name.replace(/\./g, '/')}`;
}

/** The same parameter written either way compares equal. */
export const sysctlKey = (name: string): string => (name.includes('/') ? name.replace(/^\/+/, '').replace(/\//g, '.') : name);

/** The live value, whitespace-normalized; undefined when the parameter does not exist or cannot
 *  be read (write-only parameters such as net.ipv4.route.flush). */
export function sysctlFact(name: string): Fact<string | undefined> {
  const path = sysctlPath(name);
  return {
    key: `sysctl:${sysctlKey(name)}`,
    probe: sh`if [ -f ${path} ] && v=$(cat ${path} 2>/dev/null); then echo yes; printf '%s\\n' "$v"; else echo no; fi`,
    parse: (out) => (out.startsWith('yes\n') ? normalizeSysctl(out.slice(4)) : undefined),
  };
}

/** Multi-value parameters print tab-separated and are written space-separated: compare words. */
export const normalizeSysctl = (v: string): string => v.trim().split(/\s+/).join(' ');
