// Restarts on real lab hosts (systemd + dockerd): several changes that need dockerd restarted —
// dns_cache before docker_daemon turns live-restore on, and a handler — restart it once, after
// live-restore was made effective, so a container without a restart policy keeps running with the
// same start time; check mode predicts exactly that restart and its impact. A storage-driver switch
// with a running container is refused without the opt-in, and with it the plan names the container
// that stops. Read without fleet: docker inspect, docker info, the journal's start lines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { changedTasks, fixture, run, task } from '../support/remediation.js';
import { LOAD_BUSYBOX } from '../../src/lab/scenarios/shared.js';
import type { Impact } from '../../src/types.js';

const impactOf = (t: { changes: unknown[] }) => (t.changes as { impact?: Impact[] }[]).flatMap((c) => c.impact ?? []);

describe('restarts on lab hosts', () => {
  let lab: Lab;
  const h = (n: string) => lab.hosts.find((x) => x.name === n)!;
  const out = async (host: LabHost, cmd: string) => (await host.exec(cmd)).stdout.trim();
  /** dockerd starts systemd has logged on this host */
  const starts = async (host: LabHost) => Number(await out(host, "journalctl -u docker -o cat --no-pager | grep -c -e 'Started docker.service' -e 'Started Docker Application' || true"));

  beforeAll(async () => {
    lab = await startLab({
      name: 'restarts',
      hosts: [
        { kind: 'full', name: 'up', scenarios: ['dns-upstream'] },
        { kind: 'full', name: 'x', scenarios: ['no-dns-cache'] },
        { kind: 'full', name: 'v', scenarios: ['vfs-driver'] },
      ],
    });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('dns_cache, a handler and docker_daemon on a live-restore-off host: one dockerd restart, live-restore first, the container keeps running', async () => {
    const x = h('x');
    const pb = fixture('restart-once.yaml');
    await x.exec(LOAD_BUSYBOX);
    expect((await x.exec('docker run -d --name keep fleet-lab/busybox sleep 100000')).code).toBe(0);
    expect(await out(x, "docker inspect -f '{{.HostConfig.RestartPolicy.Name}}' keep")).toBe('no');
    const started = await out(x, "docker inspect -f '{{.State.StartedAt}}' keep");
    expect(await out(x, "docker info --format '{{.LiveRestoreEnabled}}'")).toBe('false');
    const pid = await out(x, 'pidof dockerd');
    const before = await starts(x);
    expect(before).toBeGreaterThan(0); // the count is real

    const check = await run(pb, lab.inventoryPath, ['--check', '--limit', 'x']);
    expect(check.code, check.out).toBe(0);
    const predicted = changedTasks(check.hosts, ['would-change']);
    expect(predicted).toEqual(['x:daemon', 'x:dns', 'x:marker', 'x:restart docker', 'x:restart docker (once)']); // the handler, then the engine's one restart
    const hosts = check.hosts.find((r) => r.host === 'x')!.tasks;
    const restarts = hosts.filter((t) => t.task.startsWith('restart docker'));
    expect(restarts.map((t) => t.changes.map((c) => c.summary))).toEqual([
      ["restart docker: once per host, after the play's tasks and handlers"],
      ["restart docker once for daemon.json dns, dns-opts; daemon.json live-restore, log-driver, log-opts; service restart (asked by 'dns', 'daemon', 'restart docker'); live-restore is reloaded first (SIGHUP), so running containers keep running"],
    ]);
    // what it interrupts, once: the docker API for a few seconds, no container
    expect(hosts.flatMap(impactOf)).toEqual([{ kind: 'restart', service: 'docker', summary: 'dockerd restarts: the docker API does not answer for ~5 s; new containers cannot start meanwhile', duration: '~5 s' }]);
    expect(await starts(x)).toBe(before); // check changed nothing

    const apply = await run(pb, lab.inventoryPath, ['--yes', '--limit', 'x']);
    expect(apply.code, apply.out).toBe(0);
    expect(changedTasks(apply.hosts, ['changed'])).toEqual(predicted);

    // read without fleet: dockerd started once, runs the new config, the container never stopped
    expect(await starts(x)).toBe(before + 1);
    expect(await out(x, 'pidof dockerd')).not.toBe(pid);
    expect(await out(x, "docker info --format '{{.LiveRestoreEnabled}} {{.LoggingDriver}}'")).toBe('true json-file');
    expect(await out(x, "docker inspect -f '{{.State.Running}} {{.State.StartedAt}}' keep")).toBe(`true ${started}`);
    const daemon = JSON.parse(await out(x, 'cat /etc/docker/daemon.json'));
    expect(daemon).toMatchObject({ 'live-restore': true, dns: [expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/)], 'log-opts': { 'max-size': '10m', 'max-file': '3' } });
    // a new container uses the cache: dockerd took the dns key from the same restart
    expect(await out(x, "docker run --rm fleet-lab/busybox cat /etc/resolv.conf | grep '^nameserver'")).toBe(`nameserver ${daemon.dns[0]}`);

    const again = await run(pb, lab.inventoryPath, ['--yes', '--limit', 'x']);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('nothing to change.');
    expect(await starts(x)).toBe(before + 1);
  });

  it('a restart that would stop containers (live-restore off) is refused in the dry run; allow_container_stop lets it, saying which stop', async () => {
    const x = h('x');
    const pb = fixture('live-restore-off.yaml');
    expect(await out(x, "docker inspect -f '{{.State.Running}}' keep")).toBe('true');
    const before = await starts(x);
    const daemonBefore = await out(x, 'cat /etc/docker/daemon.json');
    const refused = await run(pb, lab.inventoryPath, ['--yes', '--limit', 'x']);
    expect(refused.code, refused.out).toBe(2);
    expect(task(refused.hosts, 'x', 'restart docker (once)')).toMatchObject({ status: 'failed', reason: "refused: restarting docker for daemon.json live-restore, log-opts (asked by 'daemon') would stop 1 running container (keep): live-restore is off in daemon.json; turn live-restore on (docker_daemon live_restore: true) or set allow_container_stop: true to accept it" });
    // the dry run refused: nothing was applied
    expect(await out(x, 'cat /etc/docker/daemon.json')).toBe(daemonBefore);
    expect(await starts(x)).toBe(before);

    const opt = ['--limit', 'x', '-e', 'allow_container_stop=true'];
    const check = await run(pb, lab.inventoryPath, ['--check', ...opt]);
    expect(check.code, check.out).toBe(0);
    expect(impactOf(task(check.hosts, 'x', 'restart docker (once)'))[1]).toEqual({ kind: 'containers', summary: '1 running container stops and stays stopped until started: keep', containers: ['keep'], duration: 'until started again' });
    const apply = await run(pb, lab.inventoryPath, ['--yes', ...opt]);
    expect(apply.code, apply.out).toBe(0);
    expect(await starts(x)).toBe(before + 1);
    expect(await out(x, "docker info --format '{{.LiveRestoreEnabled}}'; docker inspect -f '{{.State.Running}}' keep")).toBe('false\nfalse');
  });

  it('a storage-driver switch with a running container: refused without the opt-in; with it the plan names the container, then one restart', async () => {
    const v = h('v');
    const pb = fixture('storage-switch.yaml');
    expect((await v.exec('docker run -d --name web fleet-lab/busybox sleep 100000')).code).toBe(0);
    const before = await starts(v);

    const refused = await run(pb, lab.inventoryPath, ['--check', '--limit', 'v']);
    expect(refused.code, refused.out).toBe(2);
    expect(task(refused.hosts, 'v', 'storage')).toMatchObject({ status: 'failed', reason: 'refused, nothing changed: switching to overlay2 stops the 1 running container (web) whatever live-restore says, and they stay hidden under /var/lib/docker/vfs; stop them yourself, or set allow_container_stop: true' });
    // fleet apply plans first: the refusal stops it before anything changes
    const noApply = await run(pb, lab.inventoryPath, ['--yes', '--limit', 'v']);
    expect(noApply.code, noApply.out).toBe(2);
    expect(await out(v, "docker info --format '{{.Driver}}'; docker inspect -f '{{.State.Running}}' web")).toBe('vfs\ntrue');
    expect(await starts(v)).toBe(before);

    const opt = ['--limit', 'v', '-e', 'allow_stop=true'];
    const check = await run(pb, lab.inventoryPath, ['--check', ...opt]);
    expect(check.code, check.out).toBe(0);
    const restart = task(check.hosts, 'v', 'restart docker (once)');
    expect(impactOf(restart)).toEqual([
      { kind: 'restart', service: 'docker', summary: 'dockerd restarts: the docker API does not answer for ~20 s (running containers are stopped first); new containers cannot start meanwhile', duration: '~20 s' },
      { kind: 'containers', summary: '1 running container stops and stays stopped (hidden under the old storage driver): web', containers: ['web'], duration: 'until started again' },
    ]);
    const apply = await run(pb, lab.inventoryPath, ['--yes', ...opt]);
    expect(apply.code, apply.out).toBe(0);
    expect(changedTasks(apply.hosts, ['changed'])).toEqual(changedTasks(check.hosts, ['would-change']));
    expect(await out(v, "docker info --format '{{.Driver}}'")).toMatch(/^overlay(2|fs)$/);
    expect(await starts(v)).toBe(before + 1);
    expect(await out(v, 'docker images --format {{.Repository}}')).toContain('fleet-lab/busybox'); // carried over
    expect(await out(v, "ps -eo args | grep -cx 'sleep 100000' || true")).toBe('0'); // stopped, not orphaned
    const again = await run(pb, lab.inventoryPath, ['--yes', ...opt]);
    expect(again.out).toContain('nothing to change.');
  });
});
