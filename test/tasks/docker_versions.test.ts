// docker_versions: the advisory table by release line, distribution builds not judged by number,
// and the containerd.io LXC breakage only in LXC guests.
import { describe, expect, it } from 'vitest';
import { isOk } from '../../src/types.js';
import { advisoryStatus, dockerVersionsTask } from '../../src/tasks/docker_versions.js';
import { ADVISORIES } from '../../src/tasks/data/versions.js';
import { parseContainerStack, type ContainerStack } from '../../src/facts/container_stack.js';

const escape2025 = ADVISORIES.find((a) => a.ids.startsWith('CVE-2025'))!;
const authz = ADVISORIES.find((a) => a.ids === 'CVE-2024-41110')!;
const plan = (stack: ContainerStack, container = 'none') => {
  const p = dockerVersionsTask.plan({}, { stack, container });
  if (!isOk(p)) throw new Error('planned a change');
  return Object.fromEntries(p.checks!.map((c) => [c.id, c]));
};

describe('docker_versions', () => {
  it('release lines: fixed from the listed release, older lines affected, unlisted middle lines unknown', () => {
    expect(['1.1.15', '1.2.7', '1.3.2', '1.4.0-rc.2'].map((v) => advisoryStatus(v, escape2025))).toEqual(['affected', 'affected', 'affected', 'affected']);
    expect(['1.2.8', '1.3.3', '1.4.0-rc.3', '1.4.0', '1.5.1'].map((v) => advisoryStatus(v, escape2025))).toEqual(['fixed', 'fixed', 'fixed', 'fixed', 'fixed']);
    expect(['20.10.24', '26.1.4', '27.1.1', '28.5.2', '25.0.6'].map((v) => advisoryStatus(v, authz))).toEqual(['affected', 'affected', 'fixed', 'fixed', 'unknown']);
  });
  it("Docker's own packages are judged by version", () => {
    const r = plan({ docker: '27.1.0', runc: '1.1.12', runcCommit: 'v1.1.12-0-g51d5e94', packages: { 'containerd.io': '1.6.28-1', 'docker-ce': '5:27.1.0-1~debian.12~bookworm' } });
    expect(r['runc-known-cves']).toMatchObject({ status: 'finding', evidence: ['runc 1.1.12: CVE-2025-31133, CVE-2025-52565, CVE-2025-52881 — container escapes through masked paths, /dev/console bind mounts and redirected procfs writes; fixed in 1.2.8, 1.3.3, 1.4.0-rc.3'] });
    expect(r['docker-known-cves']).toMatchObject({ status: 'finding', evidence: [expect.stringMatching(/^Docker Engine 27\.1\.0: CVE-2024-41110 .*\(only hosts that use AuthZ plugins are exposed\)$/)] });
    expect(r['containerd-lxc-breakage']!.status).toBe('ok');
    expect(plan({ docker: '28.5.2', runc: '1.3.3', packages: {} })['runc-known-cves']!.status).toBe('ok');
  });
  it("distribution builds (Debian's runc, docker.io): could not check from the number", () => {
    const r = plan(parseContainerStack('docker=20.10.24+dfsg1\nrunc=1.1.5+ds1\nrunc_commit=1.1.5+ds1-1+deb12u1\ncontainerd=containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+b1\npkg=docker.io 20.10.24+dfsg1-1+b3 ii \npkg=runc 1.1.5+ds1-1+deb12u1 ii \npkg=containerd 1.6.20~ds1-1+b1 ii \n'));
    expect(r['runc-known-cves']).toMatchObject({ status: 'could-not-check', evidence: [expect.stringMatching(/^runc 1\.1\.5\+ds1 is a distribution build \(package runc 1\.1\.5\+ds1-1\+deb12u1\)/)] });
    expect(r['docker-known-cves']!.status).toBe('could-not-check');
  });
  it('containerd.io 1.7.28-2 or later in an LXC guest: the Nov 2025 breakage, fixed by harden.yaml', () => {
    const stack = { runc: '1.3.3', packages: { 'containerd.io': '1.7.28-2' } };
    expect(plan(stack, 'lxc')['containerd-lxc-breakage']).toMatchObject({ status: 'finding', fixedBy: expect.stringContaining('containerd_pin') });
    expect(plan({ ...stack, packages: { 'containerd.io': '1.7.28-1' } }, 'lxc')['containerd-lxc-breakage']!.status).toBe('ok');
    expect(plan(stack, 'none')['containerd-lxc-breakage']!.evidence).toEqual(['not an LXC guest (systemd-detect-virt: none)']);
  });
  it('parses packages: only installed (ii) ones', () => {
    expect(parseContainerStack('pkg=containerd.io 1.7.28-1 ii \npkg=runc 1.1.5 rc \n').packages).toEqual({ 'containerd.io': '1.7.28-1' });
  });
});
