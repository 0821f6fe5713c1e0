// Known-bad versions of the container stack, in one place (docker_versions reads it). Each entry
// names its sources. A version line listed in `fixed` is fixed from that release on; a version
// older than every listed fix is affected; a line between them that is not listed is unknown.

export interface Advisory {
  ids: string;
  component: 'runc' | 'docker';
  summary: string;
  fixed: string[];
  /** only matters in this setup */
  note?: string;
  sources: string[];
}

export const ADVISORIES: Advisory[] = [
  {
    ids: 'CVE-2024-21626',
    component: 'runc',
    summary: 'container escape through a leaked file descriptor of the host (working directory)',
    fixed: ['1.1.12'],
    sources: ['https://github.com/opencontainers/runc/security/advisories/GHSA-xr7r-f8xq-vfvv'],
  },
  {
    ids: 'CVE-2025-31133, CVE-2025-52565, CVE-2025-52881',
    component: 'runc',
    summary: 'container escapes through masked paths, /dev/console bind mounts and redirected procfs writes',
    fixed: ['1.2.8', '1.3.3', '1.4.0-rc.3'],
    sources: ['runc 1.2.8 / 1.3.3 / 1.4.0-rc.3 release notes (2025-11-05)', 'shared/REMEDIATIONS.md §1'],
  },
  {
    ids: 'CVE-2024-41110',
    component: 'docker',
    summary: 'authorization (AuthZ) plugins bypassed by a request without its body',
    fixed: ['23.0.15', '26.1.5', '27.1.1'],
    note: 'only hosts that use AuthZ plugins are exposed',
    sources: ['https://github.com/moby/moby/security/advisories/GHSA-v23v-6jw2-98fq', 'github/advisory-database#4653'],
  },
];

/** Docker's containerd.io packages carry runc: from 1.7.28-2 on it is a runc that breaks Docker
 *  inside LXC guests whose host is not fixed (runc#4968, runc#5058; REMEDIATIONS.md §1). */
export const LXC_BREAKAGE = { package: 'containerd.io', firstBroken: '1.7.28-2', lastGood: '1.7.28-1', sources: ['runc#4968', 'runc#5058', 'shared/REMEDIATIONS.md §1'] };
