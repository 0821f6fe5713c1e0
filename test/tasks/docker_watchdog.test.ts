// docker_watchdog: args + facts -> plan (three files with diffs, daemon-reload, enable --now;
// a changed interval restarts the timer; absent removes all), the script run for real against a
// fake docker/systemctl/kill that record what they were asked.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/schema/schema.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { dockerWatchdogTask, watchdogScript, watchdogService, watchdogTimer } from '../../src/tasks/docker_watchdog.js';
import type { DockerDaemonState } from '../../src/facts/docker_daemon.js';
import type { FileState } from '../../src/facts/file.js';
import type { ServiceState } from '../../src/facts/service.js';

const file = (content?: string, mode = '0644'): FileState => (content === undefined ? { exists: false } : { exists: true, type: 'file', mode, owner: 'root', group: 'root', size: content.length, content });
const timerState = (o: Partial<ServiceState> = {}): ServiceState => ({ manager: 'systemd', exists: false, active: false, enabled: undefined, ...o });
const dockerd = (o: Partial<DockerDaemonState> = {}): DockerDaemonState => ({ installed: true, canValidate: false, args: [], running: true, liveRestore: true, loggingDriver: 'json-file', securityOptions: [], containersRunning: 0, ...o });
const args = (a: object = {}) => parseArgs(dockerWatchdogTask.args, a);
const facts = (o: object = {}) => ({ script: file(), service: file(), timer: file(), timerState: timerState(), dockerd: dockerd(), ...o });
const installed = (a = args(), o: object = {}) => facts({ script: file(watchdogScript(a), '0755'), service: file(watchdogService(a)), timer: file(watchdogTimer(a)), timerState: timerState({ exists: true, active: true, enabled: true }), ...o });
const plan = (a: object = {}, f: object = facts()) => dockerWatchdogTask.plan(args(a), f as never);
const summaries = (p: Plan) => (isOk(p) ? [`ok: ${p.ok}`] : p.map((c) => c.summary));
const script = (c: Change) => c.steps.map((s) => s.text).join('\n');

describe('plan', () => {
  it('installs the script and both units, then daemon-reload and enable --now', () => {
    const p = plan() as Change[];
    expect(summaries(p)).toEqual([
      'create /usr/local/sbin/fleet-docker-watchdog',
      'create /etc/systemd/system/fleet-docker-watchdog.service',
      'create /etc/systemd/system/fleet-docker-watchdog.timer',
      'systemctl daemon-reload, enable and start fleet-docker-watchdog.timer: checks docker ps every 30 s (timeout 10 s)',
    ]);
    expect(script(p[0]!)).toContain('chmod 0755 "$fleet_tmp"');
    expect(p[2]!.diff!.after).toContain('OnUnitActiveSec=30\n');
    expect(script(p[3]!)).toBe('systemctl daemon-reload\nsystemctl enable --now fleet-docker-watchdog.timer >/dev/null 2>&1');
    expect(p[3]!.warnings).toBeUndefined();
  });
  it('converged: ok; a new interval rewrites the timer and restarts it', () => {
    expect(plan({}, installed())).toEqual({ ok: 'fleet-docker-watchdog.timer is enabled and running: checks docker ps every 30 s (timeout 10 s)' });
    const p = plan({ interval: 60 }, installed()) as Change[];
    expect(summaries(p)).toEqual(['update /etc/systemd/system/fleet-docker-watchdog.timer', 'systemctl daemon-reload, restart fleet-docker-watchdog.timer: checks docker ps every 60 s (timeout 10 s)']);
    expect(script(p[1]!)).toBe('systemctl daemon-reload\nsystemctl enable fleet-docker-watchdog.timer >/dev/null 2>&1\nsystemctl restart fleet-docker-watchdog.timer');
    // only the script: nothing to reload
    expect(summaries(plan({ timeout: 20 }, installed(args(), { service: file(watchdogService(args({ timeout: 20 }))) })))).toEqual(['update /usr/local/sbin/fleet-docker-watchdog']);
    // stopped by hand: started again
    expect(summaries(plan({}, installed(args(), { timerState: timerState({ exists: true, active: false, enabled: true }) })))).toEqual(['enable and start fleet-docker-watchdog.timer: checks docker ps every 30 s (timeout 10 s)']);
  });
  it('warns when live-restore is off; no docker: ok; no systemd: refuses', () => {
    expect((plan({}, facts({ dockerd: dockerd({ liveRestore: false }) })) as Change[]).at(-1)!.warnings).toEqual(['live-restore is off: a restart by the watchdog stops running containers (docker_daemon: live_restore: true)']);
    expect(plan({}, facts({ dockerd: dockerd({ installed: false }) }))).toEqual({ ok: 'docker is not installed' });
    expect(() => plan({}, facts({ timerState: timerState({ manager: 'sysv' }) }))).toThrow(/needs systemd/);
  });
  it('absent: stops, disables and removes; then ok', () => {
    const p = plan({ state: 'absent' }, installed()) as Change[];
    expect(summaries(p)).toEqual(['stop and remove fleet-docker-watchdog.timer (/etc/systemd/system/fleet-docker-watchdog.timer, /etc/systemd/system/fleet-docker-watchdog.service, /usr/local/sbin/fleet-docker-watchdog)']);
    expect(script(p[0]!)).toMatch(/^systemctl disable --now fleet-docker-watchdog.timer[\s\S]*rm -f \/usr\/local\/sbin\/fleet-docker-watchdog\nsystemctl daemon-reload$/);
    expect(plan({ state: 'absent' }, facts())).toEqual({ ok: 'fleet-docker-watchdog.timer is not installed' });
  });
  it('refuses bad numbers before any connection', () => {
    expect(() => args({ interval: 1 })).toThrow(/argument 'interval' must be >= 5/);
  });
});

describe('the script', () => {
  // fake docker, systemctl, kill target: a PATH of stubs that log their arguments
  function runScript(dockerOk: 'yes' | 'no' | 'after-restart', active = true) {
    const d = mkdtempSync(join(tmpdir(), 'fleet-wd-'));
    const log = join(d, 'log');
    const stub = (name: string, body: string) => {
      writeFileSync(join(d, name), `#!/bin/sh\necho "${name} $*" >> ${log}\n${body}\n`);
      chmodSync(join(d, name), 0o755);
    };
    stub('docker', `[ ${dockerOk} = yes ] && exit 0; [ ${dockerOk} = after-restart ] && [ -e ${d}/restarted ] && exit 0; exit 1`);
    stub('systemctl', `case "$1" in is-active) exit ${active ? 0 : 3};; show) echo 4242;; restart) touch ${d}/restarted;; esac; exit 0`);
    stub('kill', 'exit 0');
    stub('sleep', 'exit 0');
    const text = watchdogScript(args({ timeout: 2, grace: 0 })).replace(/kill -USR1/g, `${d}/kill -USR1`);
    writeFileSync(join(d, 'wd'), text);
    const r = spawnSync('sh', [join(d, 'wd')], { encoding: 'utf8', env: { PATH: `${d}:${process.env.PATH}` } });
    let calls = '';
    try { calls = readFileSync(log, 'utf8'); } catch { /* none */ }
    return { code: r.status, out: r.stdout + r.stderr, calls };
  }
  it('does nothing while docker answers', () => {
    const r = runScript('yes');
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(r.calls).toBe('docker ps -q\n');
  });
  it('hung: SIGUSR1 to the main pid, restart, and says so', () => {
    const r = runScript('after-restart');
    expect(r.code).toBe(0);
    expect(r.calls).toContain('kill -USR1 4242\n');
    expect(r.calls.indexOf('systemctl restart docker')).toBeGreaterThan(r.calls.indexOf('kill -USR1'));
    expect(r.out).toMatch(/^dockerd \(pid 4242, state [^)]*\) did not answer docker ps within 2 s: sending SIGUSR1/);
    expect(r.out).toContain('restarting docker (dockerd pid 4242)\ndocker answers again (dockerd pid 4242)\n');
  });
  it('docker stopped on purpose: leaves it alone; still hung after restart: fails', () => {
    const stopped = runScript('no', false);
    expect(stopped.code).toBe(0);
    expect(stopped.calls).not.toMatch(/restart|kill/);
    const hung = runScript('no');
    expect(hung.code).toBe(1);
    expect(hung.out).toContain('docker still does not answer after the restart');
  });
});
