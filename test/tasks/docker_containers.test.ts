// docker_containers: the docker socket mounted, root, :latest/untagged, recent OOM kills; the
// docker inspect parser on the probe's format.
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/schema/schema.js';
import { isOk, type CheckResult } from '../../src/types.js';
import { dockerContainersTask, floatingRef, isRootUser } from '../../src/tasks/docker_containers.js';
import { parseDockerContainers, type ContainerInfo } from '../../src/facts/docker_containers.js';
import type { DockerDaemonState } from '../../src/facts/docker_daemon.js';

const NOW = 1_800_000_000;
const ctr = (o: Partial<ContainerInfo>): ContainerInfo => ({ name: 'c', user: '1000', image: 'app:1.2', status: 'running', oomKilled: false, exitCode: 0, mounts: [], ...o });
const dockerd = (o: Partial<DockerDaemonState> = {}): DockerDaemonState => ({ installed: true, canValidate: false, args: [], running: true, liveRestore: false, loggingDriver: 'json-file', securityOptions: [], containersRunning: 0, ...o });
const run = (cs: ContainerInfo[], a: object = {}, d = dockerd()): Record<string, CheckResult> => {
  const p = dockerContainersTask.plan(parseArgs(dockerContainersTask.args, a), { containers: { known: true, containers: cs, now: NOW }, dockerd: d });
  if (!isOk(p)) throw new Error('planned a change');
  return Object.fromEntries(p.checks!.map((c) => [c.id, c]));
};
const status = (r: Record<string, CheckResult>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.status]));

describe('docker_containers', () => {
  it('image references: no tag, :latest and ids float; tags and digests do not', () => {
    expect(['nginx', 'nginx:latest', 'reg.example:5000/app', 'sha256:0123456789abcdef0123', 'ab12cd34ef56'].map(floatingRef)).toEqual(['no tag (= :latest)', ':latest', 'no tag (= :latest)', 'an image id, no tag', 'an image id, no tag']);
    expect(['nginx:1.27', 'reg.example:5000/app:2', 'app@sha256:abc'].map(floatingRef)).toEqual([undefined, undefined, undefined]);
    expect(['', '0', 'root', 'root:root', '0:0'].every(isRootUser)).toBe(true);
    expect(['1000', 'nobody', '65534:65534'].some(isRootUser)).toBe(false);
  });
  it('a clean container: every check ok', () => {
    expect(status(run([ctr({})]))).toEqual({ 'container-docker-socket': 'ok', 'container-root': 'ok', 'image-latest': 'ok', 'container-oom-killed': 'ok' });
  });
  it('each problem in its own check, with the container named', () => {
    const r = run([
      ctr({ name: 'agent', mounts: [{ source: '/var/run/docker.sock', destination: '/var/run/docker.sock', type: 'bind' }] }),
      ctr({ name: 'web', user: '', image: 'fleet-lab/busybox' }),
      ctr({ name: 'hog', status: 'exited', oomKilled: true, exitCode: 137, finishedAt: NOW - 3600 }),
    ]);
    expect(status(r)).toEqual({ 'container-docker-socket': 'finding', 'container-root': 'finding', 'image-latest': 'finding', 'container-oom-killed': 'finding' });
    expect(r['container-docker-socket']).toMatchObject({ severity: 'critical', evidence: ['agent (running): /var/run/docker.sock at /var/run/docker.sock'] });
    expect(r['container-root']!.evidence).toEqual(["web (running): user '' (the image's default, root)"]);
    expect(r['image-latest']!.evidence).toEqual(['web: image fleet-lab/busybox (no tag (= :latest))']);
    expect(r['container-oom-killed']!.evidence).toEqual([`hog: State.OOMKilled, finished ${new Date((NOW - 3600) * 1000).toISOString()}`]);
  });
  it('a parent directory of the socket counts; old kills and running containers do not; ignore and userns-remap', () => {
    expect(run([ctr({ mounts: [{ source: '/run', destination: '/host/run', type: 'bind' }] })])['container-docker-socket']!.status).toBe('finding');
    expect(run([ctr({ status: 'exited', oomKilled: true, finishedAt: NOW - 8 * 86400 })])['container-oom-killed']!.status).toBe('ok');
    expect(run([ctr({ status: 'exited', oomKilled: true, finishedAt: NOW - 8 * 86400 })], { recent_days: 10 })['container-oom-killed']!.status).toBe('finding');
    expect(run([ctr({ name: 'stopped', status: 'exited', exitCode: 137, finishedAt: NOW - 60 })])['container-oom-killed']).toMatchObject({ status: 'finding', severity: 'low' });
    expect(run([ctr({ name: 'agent', user: 'root' })], { ignore: ['agent'] })['container-root']!.evidence).toEqual(['no containers (besides ignored agent)']);
    expect(run([ctr({ user: 'root' })], {}, dockerd({ securityOptions: ['name=userns'] }))['container-root']!.status).toBe('ok');
  });
  it('docker down: could not check; docker absent: ok', () => {
    const p = dockerContainersTask.plan(parseArgs(dockerContainersTask.args, {}), { containers: { known: false, containers: [], now: NOW }, dockerd: dockerd() });
    expect(isOk(p) && p.checks!.every((c) => c.status === 'could-not-check')).toBe(true);
    expect(dockerContainersTask.plan(parseArgs(dockerContainersTask.args, {}), { containers: { known: false, containers: [], now: NOW }, dockerd: dockerd({ installed: false }) })).toMatchObject({ ok: 'no findings' });
  });
  it('parses the probe (docker inspect fields as JSON, mounts last)', () => {
    const out = `now=${NOW}\nknown=1\nc="/hog"|""|"fleet-lab/busybox:1.36"|"exited"|true|137|"2026-11-23T09:00:00.123456789Z"|[{"Type":"bind","Source":"/srv/a|b","Destination":"/a"}]\nc="/up"|"1000"|"app"|"running"|false|0|"0001-01-01T00:00:00Z"|[]\n`;
    expect(parseDockerContainers(out)).toEqual({
      known: true,
      now: NOW,
      containers: [
        { name: 'hog', user: '', image: 'fleet-lab/busybox:1.36', status: 'exited', oomKilled: true, exitCode: 137, finishedAt: Date.UTC(2026, 10, 23, 9, 0, 0, 123) / 1000, mounts: [{ source: '/srv/a|b', destination: '/a', type: 'bind' }] },
        { name: 'up', user: '1000', image: 'app', status: 'running', oomKilled: false, exitCode: 0, finishedAt: undefined, mounts: [] },
      ],
    });
  });
});
