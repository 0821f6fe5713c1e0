// The one restart per service, planned on fixture facts: live-restore reloaded before dockerd's
// restart, what stops and for how long (impact), refusals, reloads, other services.
import { describe, expect, it } from 'vitest';
import { restartTask, type RestartArgs } from '../../../src/tasks/lib/service-restart.js';
import { parseDockerRunning } from '../../../src/facts/docker_running.js';
import type { DockerDaemonState } from '../../../src/facts/docker_daemon.js';
import type { FileState } from '../../../src/facts/file.js';
import type { ServiceState } from '../../../src/facts/service.js';
import { isOk, type Change, type Plan } from '../../../src/types.js';
import { sh } from '../../../src/shell/sh.js';

const file = (content?: string): FileState => (content === undefined ? { exists: false } : { exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', size: content.length, content });
const daemon = (o: Partial<DockerDaemonState> = {}): DockerDaemonState => ({ installed: true, canValidate: true, args: ['-H', 'fd://'], running: true, liveRestore: false, loggingDriver: 'json-file', securityOptions: [], containersRunning: 2, pid: 100, ...o });
const args = (o: Partial<RestartArgs> = {}): RestartArgs => ({ service: 'docker', how: 'restart', why: ['daemon.json dns, dns-opts', 'daemon.json live-restore, log-opts'], by: ['DNS', 'daemon'], stopsContainers: false, allowContainerStop: false, after: [], ...o });
const running = [{ name: 'web', restart: 'always' }, { name: 'batch', restart: 'no' }];
const facts = (o: object = {}) => ({ host: { systemd: true }, dockerd: daemon(), running, daemon: file('{"live-restore": true, "dns": ["172.17.0.1"]}'), ...o });
const plan = (a: RestartArgs, f: object = facts()) => restartTask.plan(a, f as never);
const one = (p: Plan): Change => (p as Change[])[0]!;
const text = (c: Change) => c.steps.map((s) => s.text).join('\n');

describe('restart docker', () => {
  it('live-restore on in daemon.json, off in dockerd: reload first, wait until docker info says so, then the one restart; containers keep running', () => {
    const c = one(plan(args()));
    expect(c.summary).toBe("restart docker once for daemon.json dns, dns-opts; daemon.json live-restore, log-opts (asked by 'DNS', 'daemon'); live-restore is reloaded first (SIGHUP), so running containers keep running");
    const s = text(c);
    expect(s.indexOf('systemctl reload docker')).toBeGreaterThanOrEqual(0);
    expect(s.indexOf("{{.LiveRestoreEnabled}}")).toBeGreaterThan(s.indexOf('systemctl reload docker'));
    expect(s.indexOf('systemctl restart docker')).toBeGreaterThan(s.indexOf("{{.LiveRestoreEnabled}}"));
    expect(s.split('systemctl restart docker').length).toBe(2); // once
    // the promise is checked: the containers that ran still run
    expect(s.slice(s.indexOf('systemctl restart docker'))).toContain("for c in web batch; do [ \"$(docker inspect -f '{{.State.Running}}' \"$c\"");
    expect(s).not.toContain('docker stop');
    expect(c.impact).toEqual([{ kind: 'restart', service: 'docker', summary: 'dockerd restarts: the docker API does not answer for ~5 s; new containers cannot start meanwhile', duration: '~5 s' }]);
  });

  it('live-restore already on: no reload, the restart alone; sysvinit uses service', () => {
    const c = one(plan(args(), facts({ dockerd: daemon({ liveRestore: true }), host: { systemd: false } })));
    expect(c.summary).toMatch(/; live-restore is on: running containers keep running$/);
    expect(text(c)).not.toContain('kill -HUP');
    expect(text(c)).toMatch(/^service docker restart \|\|/m);
    // --live-restore on the command line counts as on
    expect(one(plan(args(), facts({ daemon: file('{}'), dockerd: daemon({ liveRestore: true, args: ['--live-restore'] }) }))).impact).toHaveLength(1);
  });

  it('live-restore off: refused while containers run, naming them; allowed: says which stop and which come back', () => {
    const off = facts({ daemon: file('{"dns": ["172.17.0.1"]}') });
    expect(() => plan(args(), off)).toThrow("refused: restarting docker for daemon.json dns, dns-opts; daemon.json live-restore, log-opts (asked by 'DNS', 'daemon') would stop 2 running containers (web, batch): live-restore is off in daemon.json; turn live-restore on (docker_daemon live_restore: true) or set allow_container_stop: true to accept it");
    const c = one(plan(args({ allowContainerStop: true }), off));
    expect(c.summary).toMatch(/; live-restore is off: running containers stop \(those with a restart policy come back\)$/);
    expect(c.impact).toEqual([
      { kind: 'restart', service: 'docker', summary: 'dockerd restarts: the docker API does not answer for ~20 s (running containers are stopped first); new containers cannot start meanwhile', duration: '~20 s' },
      { kind: 'containers', summary: '2 running containers stop: web, batch; back after the restart (restart policy): web; stay stopped until started: batch', containers: ['web', 'batch'], duration: '~20 s for web; the others until started' },
    ]);
    expect(text(c)).not.toContain('for c in'); // nothing promised to survive
    const noPolicy = one(plan(args({ allowContainerStop: true }), { ...off, running: [running[1]!] }));
    expect(noPolicy.impact![1]).toEqual({ kind: 'containers', summary: '1 running container stops and stays stopped until started: batch', containers: ['batch'], duration: 'until started again' });
    // nothing runs: nothing to refuse, nothing stops
    expect(one(plan(args(), { ...off, running: [] })).impact).toHaveLength(1);
  });

  it('a storage-driver switch: containers stopped first (live-restore would orphan them), then the images come back', () => {
    const load = sh`docker load -q -i /x/images.tar`;
    const a = args({ why: ['storage driver vfs -> overlay2'], by: ['storage'], stopsContainers: true, allowContainerStop: true, after: [load] });
    const c = one(plan(a, facts({ dockerd: daemon({ liveRestore: true }) })));
    expect(c.summary).toBe("restart docker once for storage driver vfs -> overlay2 (asked by 'storage'); running containers are stopped first: a storage-driver switch stops them whatever live-restore says");
    const s = text(c);
    expect(s.indexOf('docker ps -q | xargs -r docker stop')).toBeLessThan(s.indexOf('systemctl restart docker'));
    expect(s.indexOf('docker load')).toBeGreaterThan(s.indexOf('systemctl restart docker'));
    expect(s).not.toContain('systemctl reload docker');
    expect(c.impact![1]).toEqual({ kind: 'containers', summary: '2 running containers stop and stay stopped (hidden under the old storage driver): web, batch', containers: ['web', 'batch'], duration: 'until started again' });
    expect(() => plan({ ...a, allowContainerStop: false })).toThrow(/would stop 2 running containers \(web, batch\): a storage-driver switch stops them whatever live-restore says/);
  });

  it('reload only: SIGHUP, waits for live-restore when it changes, interrupts nothing', () => {
    const c = one(plan(args({ how: 'reload', why: ['daemon.json live-restore'], by: ['daemon'] })));
    expect(c.summary).toBe("reload docker (SIGHUP) once for daemon.json live-restore (asked by 'daemon'): running containers are untouched");
    expect(text(c)).toContain('systemctl reload docker');
    expect(text(c)).toContain("= true ] && break");
    expect(text(c)).not.toContain('restart');
    expect(c.impact).toBeUndefined();
    expect(text(one(plan(args({ how: 'reload' }), facts({ host: { systemd: false } }))))).toContain('kill -HUP $(pidof dockerd)');
  });

  it('dockerd stopped: started (nothing interrupted); docker missing: ok', () => {
    const c = one(plan(args(), facts({ dockerd: daemon({ running: false, pid: undefined }) })));
    expect(c.summary).toMatch(/^start docker once for .* \(it is not running\)$/);
    expect(c.impact).toBeUndefined();
    expect(isOk(plan(args({ how: 'reload' }), facts({ dockerd: daemon({ running: false }) })))).toBe(true);
    expect(plan(args(), facts({ dockerd: daemon({ installed: false, running: false }) }))).toEqual({ ok: 'docker is not installed: nothing to restart' });
  });

  it('verify: dockerd answers, with live-restore where daemon.json turns it on', () => {
    const v = (f: object) => restartTask.verify!(args(), facts(f) as never);
    expect(v({ dockerd: daemon({ liveRestore: true }) })).toBeUndefined();
    expect(v({ dockerd: daemon({ liveRestore: false }) })).toMatch(/live-restore is not enabled/);
    expect(v({ dockerd: daemon({ running: false }) })).toMatch(/does not answer/);
  });
});

describe('restart another service', () => {
  const svc = (o: Partial<ServiceState> = {}): ServiceState => ({ manager: 'systemd', exists: true, active: true, enabled: true, ...o });
  it('containerd: keeps containers (shims), says so; others: that they restart; a stopped one is started', () => {
    const c = one(restartTask.plan(args({ service: 'containerd', why: ['service restart'], by: ['restart containerd'] }), { host: { systemd: true }, svc: svc() } as never));
    expect(c.summary).toBe("restart containerd once for service restart (asked by 'restart containerd')");
    expect(text(c)).toBe('systemctl restart -- containerd');
    expect(c.impact).toEqual([{ kind: 'restart', service: 'containerd', summary: 'containerd restarts (~2 s): docker cannot start or stop containers meanwhile; running containers keep running (their shims hold them)', duration: '~2 s' }]);
    const n = one(restartTask.plan(args({ service: 'nginx', how: 'reload' }), { host: { systemd: false }, svc: svc({ manager: 'sysv' }) } as never));
    expect(text(n)).toBe('service nginx reload');
    expect(n.impact).toBeUndefined();
    const started = one(restartTask.plan(args({ service: 'nginx' }), { host: { systemd: true }, svc: svc({ active: false }) } as never));
    expect(text(started)).toBe('systemctl start -- nginx');
  });
});

describe('probe', () => {
  it('reads names and restart policies', () => {
    expect(parseDockerRunning('c=/web|always\nc=/batch|no\nnoise\n')).toEqual([{ name: 'web', restart: 'always' }, { name: 'batch', restart: 'no' }]);
    expect(parseDockerRunning('')).toEqual([]);
  });
});
