import { raw } from '../shell/sh.js';
import type { Fact } from '../types.js';

/** systemd-detect-virt --container: 'none', 'lxc', 'docker', … */
export function containerTypeFact(): Fact<string> {
  return {
    key: 'virt:container',
    probe: raw('systemd-detect-virt --container 2>/dev/null || cat /run/systemd/container 2>/dev/null || echo none'),
    parse: (out) => out.trim().split('\n')[0] || 'none',
  };
}

/** Whether the running kernel enforces AppArmor (profiles can be loaded, not just parsed). */
export function apparmorKernelFact(): Fact<boolean> {
  return {
    key: 'apparmor:kernel',
    probe: raw('[ -d /sys/kernel/security/apparmor ] && [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]'),
    parse: (_o, code) => code === 0,
  };
}
