// docker_daemon on a real lab host (Docker 20.10, live-restore off, daemon.json with the lab's
// cgroup-parent): --check shows the diff and says restart (log-opts are not reloadable), and the
// engine's one restart says live-restore is reloaded first; apply; read without fleet: daemon.json, docker info, a new dockerd
// pid, and a container that kept running across the restart; a second apply changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { changedTasks, fixture, run, task } from '../support/remediation.js';
import { LOAD_BUSYBOX } from '../../src/lab/scenarios/shared.js';

describe('docker_daemon on a lab host', () => {
  let lab: Lab;
  const out = async (host: LabHost, cmd: string) => (await host.exec(cmd)).stdout.trim();

  beforeAll(async () => {
    lab = await startLab({ name: 'dockerdaemon', hosts: [{ kind: 'full', name: 'd' }] });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('live-restore and log rotation land in daemon.json and in dockerd; containers survive; a second run changes nothing', async () => {
    const d = lab.hosts[0]!;
    const pb = fixture('docker-daemon.yaml');
    await d.exec(LOAD_BUSYBOX);
    expect((await d.exec('docker run -d --name keep fleet-lab/busybox sleep 100000')).code).toBe(0);
    const started = await out(d, "docker inspect -f '{{.State.StartedAt}}' keep");
    const pid = await out(d, 'pidof dockerd');
    expect(await out(d, "docker info --format '{{.LiveRestoreEnabled}}'")).toBe('false');
    const before = await out(d, 'cat /etc/docker/daemon.json');

    const check = await run(pb, lab.inventoryPath, ['--check', '--diff']);
    expect(check.code, check.out).toBe(0);
    const t = task(check.hosts, 'd', 'daemon');
    expect(t.changes.map((c) => c.summary)).toEqual(["update /etc/docker/daemon.json: set live-restore, log-driver, log-opts; docker restarts once after the play's tasks: log-driver, log-opts are not reloadable"]);
    expect(task(check.hosts, 'd', 'restart docker (once)').changes.map((c) => c.summary)).toEqual(["restart docker once for daemon.json live-restore, log-driver, log-opts (asked by 'daemon'); live-restore is reloaded first (SIGHUP), so running containers keep running"]);
    expect(t.changes[0]!.diff!.before.trim()).toBe(before);
    expect(await out(d, 'cat /etc/docker/daemon.json')).toBe(before); // check changed nothing

    const apply = await run(pb, lab.inventoryPath, ['--yes']);
    expect(apply.code, apply.out).toBe(0);
    expect(changedTasks(apply.hosts, ['changed'])).toEqual(changedTasks(check.hosts, ['would-change']));

    // read without fleet
    expect(JSON.parse(await out(d, 'cat /etc/docker/daemon.json'))).toEqual({ 'cgroup-parent': 'fleet-lab-inner', 'live-restore': true, 'log-driver': 'json-file', 'log-opts': { 'max-size': '10m', 'max-file': '3' } });
    expect(await out(d, "docker info --format '{{.LiveRestoreEnabled}} {{.LoggingDriver}}'")).toBe('true json-file');
    const pidAfter = await out(d, 'pidof dockerd');
    expect(pidAfter).not.toBe('');
    expect(pidAfter).not.toBe(pid); // restarted, not only reloaded
    expect(await out(d, "docker inspect -f '{{.State.Running}} {{.State.StartedAt}}' keep")).toBe(`true ${started}`); // never stopped
    // a new container gets the rotation
    expect(await out(d, "docker run -d --name fresh fleet-lab/busybox sleep 100000 >/dev/null && docker inspect -f '{{json .HostConfig.LogConfig}}' fresh")).toBe('{"Type":"json-file","Config":{"max-file":"3","max-size":"10m"}}');

    const again = await run(pb, lab.inventoryPath, ['--yes']);
    expect(again.code, again.out).toBe(0);
    expect(changedTasks(again.hosts, ['changed'])).toEqual([]);
    expect(task(again.hosts, 'd', 'daemon').reason).toBe('/etc/docker/daemon.json has live-restore on, json-file logs rotated at 10m x 3 and dockerd runs with it');
    expect(await out(d, 'pidof dockerd')).toBe(pidAfter);
  });

  it('a reloadable change only (live-restore) is taken by SIGHUP: same dockerd, containers untouched', async () => {
    const d = lab.hosts[0]!;
    const pid = await out(d, 'pidof dockerd');
    const check = await run(fixture('docker-daemon-reload.yaml'), lab.inventoryPath, ['--check']);
    expect(task(check.hosts, 'd', 'daemon').changes.map((c) => c.summary)).toEqual(["update /etc/docker/daemon.json: set live-restore; docker reloads (SIGHUP) after the play's tasks: live-restore is reloadable, running containers are untouched"]);
    expect(task(check.hosts, 'd', 'reload docker (once)').changes.map((c) => c.summary)).toEqual(["reload docker (SIGHUP) once for daemon.json live-restore (asked by 'daemon'): running containers are untouched"]);
    const apply = await run(fixture('docker-daemon-reload.yaml'), lab.inventoryPath, ['--yes']);
    expect(apply.code, apply.out).toBe(0);
    expect(await out(d, "docker info --format '{{.LiveRestoreEnabled}}'")).toBe('false');
    expect(await out(d, 'pidof dockerd')).toBe(pid); // reloaded, not restarted
    expect(JSON.parse(await out(d, 'cat /etc/docker/daemon.json'))).toEqual({ 'cgroup-parent': 'fleet-lab-inner', 'live-restore': false, 'log-driver': 'json-file', 'log-opts': { 'max-size': '10m', 'max-file': '3' } });
    expect(await out(d, "docker inspect -f '{{.State.Running}}' keep")).toBe('true');
    const again = await run(fixture('docker-daemon-reload.yaml'), lab.inventoryPath, ['--yes']);
    expect(changedTasks(again.hosts, ['changed'])).toEqual([]);
  });
});
