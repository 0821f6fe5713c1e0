import { sh } from '../shell/sh.js';
import type { Fact } from '../types.js';

/** The live value of a kernel parameter, whitespace-normalized; undefined when it does not exist. */
export function sysctlFact(name: string): Fact<string | undefined> {
  const path = `/proc/sys/${name.replace(/\./g, '/')}`;
  return {
    key: `sysctl:${name}`,
    probe: sh`if [ -e ${path} ]; then echo yes; cat ${path}; else echo no; fi`,
    parse: (out) => (out.startsWith('yes\n') ? normalizeSysctl(out.slice(4)) : undefined),
  };
}

export const normalizeSysctl = (v: string): string => v.trim().split(/\s+/).join(' ');
