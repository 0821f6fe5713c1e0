// docker_daemon: args + facts -> plan (merge keeping other keys, reload vs restart and why, asked
// of the engine — which reloads live-restore before the one restart, test/tasks/lib/service-restart
// — flag clashes, a daemon that has not taken the file), verify, and the probe parser on real output.
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/schema/schema.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { dockerDaemonTask, wanted } from '../../src/tasks/docker_daemon.js';
import { parseDockerDaemon, type DockerDaemonState } from '../../src/facts/docker_daemon.js';
import type { FileState } from '../../src/facts/file.js';

const file = (content?: string): FileState => (content === undefined ? { exists: false } : { exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', size: content.length, content });
const daemon = (o: Partial<DockerDaemonState> = {}): DockerDaemonState => ({ installed: true, canValidate: false, args: ['-H', 'fd://'], running: true, liveRestore: false, loggingDriver: 'json-file', securityOptions: ['name=seccomp,profile=default'], containersRunning: 0, pid: 100, ...o });
const facts = (o: object = {}) => ({ daemon: file('{\n  "cgroup-parent": "x"\n}\n'), dockerd: daemon(), ...o });
const args = (a: object = {}) => parseArgs(dockerDaemonTask.args, a);
const plan = (a: object = {}, f: object = facts()) => dockerDaemonTask.plan(args(a), f as never);
const summaries = (p: Plan) => (isOk(p) ? [`ok: ${p.ok}`] : p.map((c) => c.summary));
const script = (c: Change) => c.steps.map((s) => s.text).join('\n');
const HARDENED = `{\n  "cgroup-parent": "x",\n  "live-restore": true,\n  "log-driver": "json-file",\n  "log-opts": {\n    "max-size": "10m",\n    "max-file": "3"\n  }\n}\n`;

describe('args', () => {
  it('defaults: live-restore and json-file rotation, max-file as a string', () => {
    expect(wanted(args())).toEqual({ set: { 'live-restore': true, 'log-driver': 'json-file', 'log-opts': { 'max-size': '10m', 'max-file': '3' } }, remove: [] });
    expect(wanted(args({ logs: false, live_restore: false, no_new_privileges: true, userns_remap: 'default' }))).toEqual({ set: { 'live-restore': false, 'no-new-privileges': true, 'userns-remap': 'default' }, remove: [] });
    expect(wanted(args({ userns_remap: false })).remove).toEqual(['userns-remap']);
  });
  it('refuses bad sizes and users before any connection', () => {
    expect(() => args({ log_max_size: '10 MB' })).toThrow("argument 'log_max_size' must be a size such as 10m, 512k or 1g, got '10 MB'");
    expect(() => args({ userns_remap: 'a b' })).toThrow(/argument 'userns_remap' must be 'default', user or user:group/);
    expect(() => args({ log_max_file: 0 })).toThrow(/must be >= 1/);
  });
});

describe('plan', () => {
  it('merges keeping other keys; log-opts are not reloadable, so: a restart asked of the engine, the file written now', () => {
    const p = plan({}, facts({ dockerd: daemon({ containersRunning: 2 }) })) as Change[];
    expect(summaries(p)).toEqual(["update /etc/docker/daemon.json: set live-restore, log-driver, log-opts; docker restarts once after the play's tasks: log-driver, log-opts are not reloadable"]);
    expect(p[0]!.diff!.after).toBe(HARDENED);
    expect(p[0]!.restarts).toEqual([{ service: 'docker', how: 'restart', why: 'daemon.json live-restore, log-driver, log-opts' }]);
    const s = script(p[0]!);
    expect(s).toContain('mv -f "$fleet_tmp" /etc/docker/daemon.json');
    expect(s).not.toMatch(/systemctl|kill/); // the engine restarts, once per host
    expect(s).not.toContain('dockerd --validate');
    expect(p[0]!.warnings).toEqual(['log options apply to containers created from now on; existing ones keep theirs until re-created', 'this dockerd has no --validate (Docker < 23): the file is checked as JSON only, dockerd reads it when it restarts']);
    // the file is predicted, so later tasks plan on it without a new window
    expect(p[0]!.invalidates).toEqual(['file:/etc/docker/daemon.json']);
    expect(p[0]!.predicts!['file:/etc/docker/daemon.json']).toMatchObject({ content: HARDENED });
  });
  it('only live-restore changes: a reload (SIGHUP) is asked, no restart', () => {
    const p = plan({ logs: false }, facts()) as Change[];
    expect(summaries(p)).toEqual(["update /etc/docker/daemon.json: set live-restore; docker reloads (SIGHUP) after the play's tasks: live-restore is reloadable, running containers are untouched"]);
    expect(p[0]!.restarts).toEqual([{ service: 'docker', how: 'reload', why: 'daemon.json live-restore' }]);
  });
  it('validates with dockerd --validate where dockerd has it', () => {
    const p = plan({}, facts({ dockerd: daemon({ canValidate: true }) })) as Change[];
    expect(script(p[0]!)).toMatch(/dockerd --validate --config-file "\$fleet_tmp" >\/dev\/null\n[\s\S]*mv -f "\$fleet_tmp" \/etc\/docker\/daemon.json/);
    expect(p[0]!.warnings).toEqual(['log options apply to containers created from now on; existing ones keep theirs until re-created']);
  });
  it('live-restore turned off: a restart asked (the engine refuses it while containers run, unless allowed)', () => {
    const p = plan({ live_restore: false, no_new_privileges: true }, facts({ daemon: file(HARDENED), dockerd: daemon({ liveRestore: true, containersRunning: 3 }) })) as Change[];
    expect(summaries(p)).toEqual(["update /etc/docker/daemon.json: set live-restore, no-new-privileges; docker restarts once after the play's tasks: no-new-privileges is not reloadable"]);
    expect(JSON.parse(p[0]!.diff!.after)['live-restore']).toBe(false);
    expect(p[0]!.restarts).toEqual([{ service: 'docker', how: 'restart', why: 'daemon.json live-restore, no-new-privileges' }]);
  });
  it('userns-remap: restart and a warning; false removes the key', () => {
    const p = plan({ userns_remap: 'default' }, facts({ daemon: file(HARDENED), dockerd: daemon({ liveRestore: true }) })) as Change[];
    expect(summaries(p)).toEqual(["update /etc/docker/daemon.json: set userns-remap; docker restarts once after the play's tasks: userns-remap is not reloadable"]);
    expect(p[0]!.warnings![0]).toMatch(/^userns-remap: dockerd keeps images and containers under \/var\/lib\/docker\/<uid>.<gid>/);
    const withUserns = HARDENED.replace('"cgroup-parent": "x",', '"cgroup-parent": "x",\n  "userns-remap": "default",');
    expect(summaries(plan({ userns_remap: false }, facts({ daemon: file(withUserns), dockerd: daemon({ liveRestore: true, securityOptions: ['name=userns'] }) })))).toEqual(["update /etc/docker/daemon.json: remove userns-remap; docker restarts once after the play's tasks: userns-remap is not reloadable"]);
  });
  it('converged: ok, says what holds; a file the daemon has not taken yet is a change', () => {
    expect(plan({}, facts({ daemon: file(HARDENED), dockerd: daemon({ liveRestore: true }) }))).toEqual({ ok: '/etc/docker/daemon.json has live-restore on, json-file logs rotated at 10m x 3 and dockerd runs with it' });
    // formatting is never rewritten
    expect(isOk(plan({}, facts({ daemon: file(JSON.stringify(JSON.parse(HARDENED))), dockerd: daemon({ liveRestore: true }) })))).toBe(true);
    const stale = plan({}, facts({ daemon: file(HARDENED), dockerd: daemon({ liveRestore: false }) })) as Change[];
    expect(summaries(stale)).toEqual(["dockerd does not run with /etc/docker/daemon.json yet (live-restore differ in docker info): docker reloads (SIGHUP) after the play's tasks: live-restore is reloadable, running containers are untouched"]);
    expect(stale[0]!.diff).toBeUndefined();
    expect(stale[0]!.steps).toEqual([]);
    expect(stale[0]!.restarts).toEqual([{ service: 'docker', how: 'reload', why: 'daemon.json live-restore' }]);
    const journald = plan({}, facts({ daemon: file(HARDENED), dockerd: daemon({ liveRestore: true, loggingDriver: 'journald' }) })) as Change[];
    expect(summaries(journald)[0]).toMatch(/\(log-driver differ in docker info\): docker restarts once after the play's tasks: log-driver is not reloadable$/);
    // a logging driver or userns given on dockerd's command line is not the file's business
    const flags = daemon({ liveRestore: true, loggingDriver: 'journald', securityOptions: ['name=userns'], args: ['--log-driver=journald', '--userns-remap', 'default'] });
    expect(isOk(plan({ logs: false }, facts({ daemon: file('{"live-restore": true}\n'), dockerd: flags })))).toBe(true);
    // restart_docker false: the file is all it manages
    expect(isOk(plan({ restart_docker: false }, facts({ daemon: file(HARDENED) })))).toBe(true);
  });
  it('restart_docker false or dockerd stopped: writes the file only', () => {
    const p = plan({ restart_docker: false }) as Change[];
    expect(p[0]!.restarts).toBeUndefined();
    expect(p[0]!.warnings).toContain('restart_docker is false: dockerd takes the change only when reloaded or restarted (notify a handler)');
    const stopped = plan({}, facts({ dockerd: daemon({ running: false, pid: undefined, args: [] }) })) as Change[];
    expect(stopped[0]!.summary).toBe('update /etc/docker/daemon.json: set live-restore, log-driver, log-opts (dockerd is not running: it reads the file when it starts)');
    expect(stopped[0]!.restarts).toBeUndefined();
  });
  it('creates a missing file; no docker: ok', () => {
    expect(summaries(plan({ logs: false }, facts({ daemon: file() })))[0]).toMatch(/^create \/etc\/docker\/daemon.json: set live-restore; docker reloads/);
    expect(plan({}, facts({ dockerd: daemon({ installed: false, running: false }) }))).toEqual({ ok: 'docker is not installed' });
  });
  it('refuses a key that dockerd also gets as a flag, and invalid JSON', () => {
    expect(() => plan({}, facts({ dockerd: daemon({ args: ['-H', 'fd://', '--live-restore'] }) }))).toThrow(/dockerd runs with --live-restore on its command line and \/etc\/docker\/daemon.json would set live-restore too/);
    expect(() => plan({}, facts({ dockerd: daemon({ args: ['--log-opt=max-size=1m'] }) }))).toThrow(/--log-opt/);
    expect(() => plan({}, facts({ daemon: file('{"a": ') }))).toThrow(/is not valid JSON/);
  });
  it('verify: converged and answering', () => {
    const a = args();
    expect(dockerDaemonTask.verify!(a, facts({ daemon: file(HARDENED), dockerd: daemon({ liveRestore: true }) }) as never)).toBeUndefined();
    expect(dockerDaemonTask.verify!(a, facts({ daemon: file(HARDENED), dockerd: daemon({ liveRestore: false }) }) as never)).toMatch(/dockerd does not run with/);
  });
});

describe('probe', () => {
  it('parses docker info, the command line and --validate', () => {
    const argv = Buffer.from('/usr/sbin/dockerd\n-H\nfd://\n--containerd=/run/containerd/containerd.sock\n').toString('base64');
    expect(parseDockerDaemon(`installed=1\npid=4242\nargs=${argv}\ninfo=true|json-file|2|name=seccomp,profile=default;name=userns;\n`)).toEqual({
      installed: true, canValidate: false, args: ['-H', 'fd://', '--containerd=/run/containerd/containerd.sock'], running: true, liveRestore: true, loggingDriver: 'json-file', securityOptions: ['name=seccomp,profile=default', 'name=userns'], containersRunning: 2, pid: 4242,
    });
    expect(parseDockerDaemon('installed=1\nvalidate=1\n')).toMatchObject({ installed: true, canValidate: true, running: false, args: [] });
    expect(parseDockerDaemon('')).toMatchObject({ installed: false, running: false });
  });
});
