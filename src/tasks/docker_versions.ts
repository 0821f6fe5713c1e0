// Findings only: runc and Docker versions with known CVEs, and containerd.io packages that break
// Docker inside LXC guests (Nov 2025), from the table in data/versions.ts. Distribution builds
// (Debian's runc 1.1.5+ds1…) backport fixes without changing the upstream number: for those the
// check says it cannot tell from the version, rather than guess.
import { defineTask, type CheckResult } from '../types.js';
import { object } from '../schema/schema.js';
import { containerStackFact, type ContainerStack } from '../facts/container_stack.js';
import { containerTypeFact } from '../facts/virt.js';
import { compareDebVersions } from '../util/debversion.js';
import { ADVISORIES, LXC_BREAKAGE, type Advisory } from './data/versions.js';
import { reportChecks, result, type CheckDef } from './lib/checks.js';

export const CHECKS = {
  runc: { id: 'runc-known-cves', title: 'runc with known container-escape CVEs', severity: 'high', advice: 'Update runc: with Docker\'s packages, containerd.io (1.7.28-2 or later carries runc 1.3.3); in an LXC guest whose host is not fixed that breaks Docker, so fix the host first (lxc_apparmor).' },
  docker: { id: 'docker-known-cves', title: 'Docker Engine with known CVEs', severity: 'medium', advice: 'Update Docker Engine to a release with the fix (docker-ce from Docker\'s repository).' },
  lxc: { id: 'containerd-lxc-breakage', title: 'containerd.io whose runc breaks Docker in LXC (Nov 2025)', severity: 'high', fixedBy: 'lxc_apparmor (on the LXC host) or containerd_pin (in the guest), playbooks/harden.yaml', advice: 'Fix the LXC host (lxc-pve >= 6.0.5-2, LXC >= 6.0.6, Incus >= 6.19, or the narrowed AppArmor rule), or pin containerd.io 1.7.28-1 in the guest until then (re-opens three runc CVEs).' },
} satisfies Record<string, CheckDef>;

// upstream '1.4.0-rc.3' sorts before '1.4.0': dpkg's '~' says exactly that
const cmp = (a: string, b: string) => compareDebVersions(a.replace('-rc', '~rc'), b.replace('-rc', '~rc'));
const line = (v: string) => v.split('.').slice(0, 2).join('.');

/** 'affected' | 'fixed' | 'unknown' (a release line between the listed fixes). */
export function advisoryStatus(version: string, adv: Advisory): 'affected' | 'fixed' | 'unknown' {
  const same = adv.fixed.find((f) => line(f) === line(version));
  if (same) return cmp(version, same) < 0 ? 'affected' : 'fixed';
  const sorted = [...adv.fixed].sort(cmp);
  if (cmp(version, sorted[0]!) < 0) return 'affected';
  if (cmp(version, sorted[sorted.length - 1]!) > 0) return 'fixed';
  return 'unknown';
}

function versionCheck(def: CheckDef, what: string, version: string | undefined, distro: string | undefined, component: Advisory['component']): CheckResult {
  if (!version) return result(def, 'ok', [`${what} is not installed`]);
  const advs = ADVISORIES.filter((a) => a.component === component);
  if (distro) return result(def, 'could-not-check', [`${what} ${version} is a distribution build (${distro}): distributions backport fixes without changing the upstream version; check its security tracker for ${advs.map((a) => a.ids).join('; ')}`]);
  const hit = advs.map((a) => ({ a, s: advisoryStatus(version, a) }));
  const affected = hit.filter((h) => h.s === 'affected');
  const unknown = hit.filter((h) => h.s === 'unknown');
  if (affected.length) return result(def, 'finding', affected.map(({ a }) => `${what} ${version}: ${a.ids} — ${a.summary}; fixed in ${a.fixed.join(', ')}${a.note ? ` (${a.note})` : ''}`));
  if (unknown.length) return result(def, 'could-not-check', unknown.map(({ a }) => `${what} ${version}: no known fixed release of the ${line(version)} line for ${a.ids} (fixed in ${a.fixed.join(', ')})`));
  return result(def, 'ok', [`${what} ${version}: not affected by ${advs.map((a) => a.ids).join('; ')}`]);
}

function lxcCheck(stack: ContainerStack, container: string): CheckResult {
  const v = stack.packages[LXC_BREAKAGE.package];
  if (container !== 'lxc') return result(CHECKS.lxc, 'ok', [`not an LXC guest (systemd-detect-virt: ${container})`]);
  if (!v) return result(CHECKS.lxc, 'ok', [`LXC guest without ${LXC_BREAKAGE.package} (Docker's packages)`]);
  if (compareDebVersions(v, LXC_BREAKAGE.firstBroken) < 0) return result(CHECKS.lxc, 'ok', [`${LXC_BREAKAGE.package} ${v} predates ${LXC_BREAKAGE.firstBroken}`]);
  return result(CHECKS.lxc, 'finding', [`LXC guest with ${LXC_BREAKAGE.package} ${v} (>= ${LXC_BREAKAGE.firstBroken}): bridge-network containers fail with "open sysctl net.ipv4.ip_unprivileged_port_start file: reopen fd 8: permission denied" unless the host is fixed`]);
}

export const dockerVersionsTask = defineTask({
  type: 'docker_versions',
  description: 'Findings only: runc and Docker Engine versions with known CVEs, and containerd.io packages that break Docker inside LXC guests (Nov 2025), from a small table with sources (src/tasks/data/versions.ts). Distribution builds are reported as not checkable from the version. Changes nothing.',
  severity: 'high',
  args: object({}),
  facts: () => ({ stack: containerStackFact(), container: containerTypeFact() }),
  plan(_a, { stack, container }) {
    const runcDistro = stack.packages.runc ? `package runc ${stack.packages.runc}` : /[+~]/.test(stack.runc ?? '') ? `version ${stack.runc}` : undefined;
    const dockerDistro = stack.packages['docker.io'] ? `package docker.io ${stack.packages['docker.io']}` : /[+~]/.test(stack.docker ?? '') ? `version ${stack.docker}` : undefined;
    return reportChecks([
      versionCheck(CHECKS.runc, 'runc', stack.runc, runcDistro, 'runc'),
      versionCheck(CHECKS.docker, 'Docker Engine', stack.docker, dockerDistro, 'docker'),
      lxcCheck(stack, container),
    ]);
  },
});
