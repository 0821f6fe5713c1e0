// Fixture tests for the remediation tasks: args + facts -> plan, including every refusal.
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/schema/schema.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { containerdPinTask, dockerStorageDriverTask, lxcApparmorTask } from '../../src/tasks/builtin-tasks.js';
import { overlayBlocker } from '../../src/tasks/docker_storage_driver.js';
import type { AptPackage } from '../../src/facts/apt.js';
import type { FileState } from '../../src/facts/file.js';
import type { DockerInfo } from '../../src/facts/docker.js';
import type { ServiceState } from '../../src/facts/service.js';

const summaries = (p: Plan) => (isOk(p) ? [`ok: ${p.ok}`] : (p as Change[]).map((c) => c.summary));
const file = (content?: string): FileState => (content === undefined ? { exists: false } : { exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', size: content.length, content });
const apt = (name: string, o: Partial<AptPackage> = {}): AptPackage => ({ name, held: false, versions: [], listsAge: 0, ...o });
const svc = (o: Partial<ServiceState> = {}): ServiceState => ({ manager: 'systemd', exists: true, active: true, enabled: true, ...o });

describe('containerd_pin', () => {
  const versions = ['1.7.29-1', '1.7.28-2', '1.7.28-1'].map((version) => ({ version, priority: 500, installed: version === '1.7.28-2' }));
  const facts = (o: Record<string, unknown> = {}) => ({ virt: 'lxc', containerd: apt('containerd.io', { installed: '1.7.28-2', candidate: '1.7.29-1', versions }), runc: apt('runc'), prefContainerd: file(), prefRunc: file(), ...o });
  const plan = (args: object, f = facts()) => containerdPinTask.plan(parseArgs(containerdPinTask.args, args), f as never);
  it('pins, downgrades and holds in an LXC guest, warning about the CVEs', () => {
    const p = plan({ version: '1.7.28-1', allow_downgrade: true });
    expect(summaries(p)).toEqual(['pin containerd.io 1.7.28-1 (priority 1001): create /etc/apt/preferences.d/fleet-containerd.io.pref', 'downgrade containerd.io 1.7.28-2 -> 1.7.28-1', 'hold containerd.io']);
    expect((p as Change[]).every((c) => c.warnings?.[0]?.includes('CVE-2025-52881'))).toBe(true);
  });
  it('refuses the downgrade unless allowed', () => {
    expect(() => plan({ version: '1.7.28-1' })).toThrow(/set allow_downgrade: true/);
  });
  it('leaves hosts that are not LXC guests, with the reason', () => {
    expect(summaries(plan({ version: '1.7.28-1' }, facts({ virt: 'none' })))).toEqual(['ok: not an LXC guest (container: none); scope is lxc-guests']);
  });
  it('pins runc where Docker comes from the distribution', () => {
    const f = facts({ containerd: apt('containerd.io'), runc: apt('runc', { installed: '1.1.5+ds1-1', candidate: '1.1.5+ds1-1', versions: [{ version: '1.1.5+ds1-1', priority: 500, installed: true }] }) });
    expect(summaries(plan({ version: '1.1.5+ds1-1', scope: 'all' }, f))[0]).toMatch(/^pin runc 1\.1\.5\+ds1-1/);
  });
  it('state absent lifts the pin', () => {
    expect(summaries(plan({ state: 'absent' }, facts({ prefContainerd: file('Package: containerd.io\n'), containerd: apt('containerd.io', { installed: '1.7.28-1', held: true }) })))).toEqual(['remove the pin /etc/apt/preferences.d/fleet-containerd.io.pref', 'unhold containerd.io']);
  });
  it('needs a version to pin', () => {
    expect(() => parseArgs(containerdPinTask.args, {})).toThrow(/argument 'version' is required with state 'present'/);
  });
});

describe('lxc_apparmor', () => {
  const base = '  mount,\n  deny /sys/[^fdc]*{,/**} wklx,\n';
  const lxc = (o = {}) => ({ proxmox: false, guests: [], unconfinedPlain: [], patchedBefore: false, ...o });
  const plan = (args: object, f: object) => lxcApparmorTask.plan(parseArgs(lxcApparmorTask.args, args), { lxc: lxc(), base: file(), pve: apt('lxc-pve'), kernel: false, ...f } as never);
  it('narrows the rule with a diff and a parse-only check where the kernel has no AppArmor', () => {
    const p = plan({}, { base: file(base) }) as Change[];
    expect(p[0]!.diff!.after).toBe('  mount,\n  deny /sys/[^fdcn]*{,/**} wklx,\n');
    expect(p[0]!.steps.map((s) => s.text).join('\n')).toContain('apparmor_parser -Q -K /etc/apparmor.d/lxc-containers');
    expect((plan({}, { base: file(base), kernel: true }) as Change[])[0]!.steps.map((s) => s.text).join('\n')).toContain('apparmor_parser -r /etc/apparmor.d/lxc-containers');
  });
  it('says when the old rule came back', () => {
    expect(summaries(plan({}, { base: file(base), lxc: lxc({ patchedBefore: true }) }))[0]).toMatch(/^the old rule is back \(package upgrade\?\)/);
  });
  it('is ok without the abstraction or once patched', () => {
    expect(summaries(plan({}, {}))).toEqual(['ok: no LXC AppArmor abstraction here (/etc/apparmor.d/abstractions/lxc/container-base)']);
    expect(isOk(plan({}, { base: file('deny /sys/[^fdcn]*{,/**} wklx,\n') }))).toBe(true);
  });
  it('upgrades lxc-pve on Proxmox and reboots running nesting guests one at a time', () => {
    const f = { lxc: lxc({ proxmox: true, guests: [{ id: '101', nesting: true, unconfined: false, running: true }, { id: '102', nesting: false, unconfined: false, running: true }, { id: '103', nesting: true, unconfined: false, running: false }] }), pve: apt('lxc-pve', { installed: '6.0.5-1', candidate: '6.0.5-2' }) };
    const p = plan({ restart_guests: true }, f) as Change[];
    expect(p.map((c) => c.summary)).toEqual(['Proxmox: upgrade lxc-pve 6.0.5-1 -> 6.0.5-2 (profiles are generated: editing container-base has no effect here)', 'reboot nesting guests one at a time: 101']);
    expect(p[1]!.steps.map((s) => s.text)).toEqual(['pct reboot 101']);
    expect(summaries(plan({}, { ...f, pve: apt('lxc-pve', { installed: '6.0.5-2' }) }))).toEqual(['ok: Proxmox: lxc-pve 6.0.5-2 >= 6.0.5-2 (generated profiles allow nesting)']);
  });
  it('refuses unconfined guests unless forced, saying why', () => {
    const f = { base: file(base), lxc: lxc({ unconfinedPlain: ['/var/lib/lxc/web/config'] }) };
    expect(() => plan({}, f)).toThrow(/refusing: \/var\/lib\/lxc\/web\/config uses lxc\.apparmor\.profile: unconfined removes all AppArmor mediation/);
    expect((plan({ force: true }, f) as Change[])[0]!.warnings![0]).toMatch(/unconfined/);
  });
});

describe('docker_storage_driver', () => {
  const info = (o: Partial<DockerInfo> = {}): DockerInfo => ({ installed: true, running: true, version: '20.10.24', driver: 'vfs', images: [], containers: [], runningContainers: [], imageBytes: 0, rootDir: '/var/lib/docker', backingFs: 'ext2/ext3', kernel: '6.1.0', freeBytes: 1e10, liveRestore: false, ...o });
  const plan = (args: object, i: DockerInfo) => dockerStorageDriverTask.plan(parseArgs(dockerStorageDriverTask.args, args), { info: i, daemon: file('{"debug":true}'), svc: svc() } as never);
  it('preflights kernel and d_type', () => {
    expect(overlayBlocker(info({ kernel: '3.10.0' }))).toMatch(/older than 4\.0/);
    expect(overlayBlocker(info({ backingFs: 'xfs', xfsFtype: 0 }))).toMatch(/ftype=1/);
    expect(overlayBlocker(info({ backingFs: 'xfs', xfsFtype: 1 }))).toBeUndefined();
  });
  it('refuses to hide images and containers unless save-load or force', () => {
    expect(() => plan({}, info({ images: ['a:1'], containers: ['c'] }))).toThrow(/has 1 images and 1 containers .*set migrate: save-load/);
    const p = plan({ migrate: 'save-load' }, info({ images: ['a:1'], containers: ['c'] })) as Change[];
    expect(p[0]!.summary).toBe("switch dockerd from vfs to overlay2, carrying 1 images over (a:1); docker restarts once after the play's tasks");
    expect(p[0]!.warnings).toEqual(['containers are not migrated and stay hidden under /var/lib/docker/vfs: c']);
    expect(JSON.parse(p[0]!.diff!.after)).toEqual({ debug: true, 'storage-driver': 'overlay2' });
    // saved and written now; the restart (containers stopped first) is the engine's, then the load
    const steps = p[0]!.steps.map((s) => s.text).join('\n');
    expect(steps.indexOf('docker save')).toBeLessThan(steps.indexOf('/etc/docker/daemon.json'));
    expect(steps).not.toMatch(/systemctl|docker load/);
    const r = p[0]!.restarts![0]!;
    expect(r).toMatchObject({ service: 'docker', how: 'restart', why: 'storage driver vfs -> overlay2', stopsContainers: true, allowContainerStop: false });
    expect(r.after!.map(String).join('\n')).toContain('docker load -q -i');
  });
  it('refuses while containers run (a switch stops them whatever live-restore says), unless allow_container_stop', () => {
    const running = info({ images: ['a:1'], containers: ['web', 'old'], runningContainers: ['web'] });
    expect(() => plan({ migrate: 'save-load' }, running)).toThrow("refused, nothing changed: switching to overlay2 stops the 1 running container (web) whatever live-restore says, and they stay hidden under /var/lib/docker/vfs; stop them yourself, or set allow_container_stop: true");
    const p = plan({ migrate: 'save-load', allow_container_stop: true }, running) as Change[];
    expect(p[0]!.summary).toBe("switch dockerd from vfs to overlay2, carrying 1 images over (a:1); docker restarts once after the play's tasks, stopping web (allow_container_stop)");
    expect(p[0]!.restarts![0]).toMatchObject({ stopsContainers: true, allowContainerStop: true });
  });
  it('is ok on overlay2 (and overlayfs) and without docker', () => {
    expect(summaries(plan({}, info({ driver: 'overlay2' })))).toEqual(['ok: dockerd already runs overlay2']);
    expect(isOk(plan({}, info({ driver: 'overlayfs' })))).toBe(true);
    expect(summaries(plan({}, info({ installed: false, running: false })))).toEqual(['ok: docker is not installed']);
  });
});
