// Findings only (REMEDIATIONS §6): containers that mount the docker socket (root on the host),
// run as root, come from a :latest or untagged image, or were killed for memory recently.
import { defineTask, type CheckResult } from '../types.js';
import { doc, int, list, object, string, withDefault } from '../schema/schema.js';
import { dockerContainersFact, type ContainerInfo } from '../facts/docker_containers.js';
import { dockerDaemonFact } from '../facts/docker_daemon.js';
import { allOk, reportChecks, result, type CheckDef } from './lib/checks.js';

export const CHECKS = {
  socket: { id: 'container-docker-socket', title: 'container mounts the docker socket', severity: 'critical', advice: 'A container with /var/run/docker.sock controls dockerd, i.e. is root on the host. Remove the mount; if it really needs the API, put an authorizing proxy in front that allows only the calls it needs.' },
  root: { id: 'container-root', title: 'container runs as root', severity: 'medium', advice: 'Run as an unprivileged user (USER in the Dockerfile, or --user UID:GID), or enable userns-remap (docker_daemon: userns_remap: default) so root in a container is not root on the host.' },
  latest: { id: 'image-latest', title: 'container from a :latest or untagged image', severity: 'low', advice: 'Refer to images by a version tag or digest (image:1.2.3 or image@sha256:…): :latest changes under you and cannot be rolled back to.' },
  oom: { id: 'container-oom-killed', title: 'container killed for memory (OOM) recently', severity: 'medium', advice: 'Raise the container\'s --memory limit to what it really uses, or fix the leak; look at `docker stats` and the kernel log around the kill.' },
} satisfies Record<string, CheckDef>;

const args = object({
  recent_days: doc(withDefault(int({ min: 1, max: 3650 }), 7), 'an OOM kill (or exit 137) that finished within this many days counts'),
  ignore: doc(withDefault(list(string(), { acceptSingle: true }), []), 'container names to leave out of every check (e.g. an agent that needs the socket on purpose)'),
});

/** The docker socket, or a directory that holds it. */
const SOCKET = new Set(['/var/run/docker.sock', '/run/docker.sock', '/var/run', '/run', '/var', '/']);
export const isRootUser = (u: string): boolean => ['', '0', 'root'].includes(u.split(':')[0]!.trim());

/** 'nginx', 'nginx:latest', 'reg:5000/app' and image ids are floating; tags and digests are not. */
export function floatingRef(ref: string): string | undefined {
  if (/^(sha256:)?[0-9a-f]{12,64}$/.test(ref)) return 'an image id, no tag';
  if (ref.includes('@sha256:')) return undefined;
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  if (!last.includes(':')) return 'no tag (= :latest)';
  return last.endsWith(':latest') ? ':latest' : undefined;
}

const state = (c: ContainerInfo) => (c.status === 'running' ? 'running' : c.status || 'unknown state');

export const dockerContainersTask = defineTask({
  type: 'docker_containers',
  description: 'Findings only: containers that mount the docker socket, run as root, use :latest or untagged images, or were OOM-killed (State.OOMKilled, exit 137) recently. Changes nothing.',
  severity: 'critical',
  args,
  facts: () => ({ containers: dockerContainersFact(), dockerd: dockerDaemonFact() }),
  plan(a, { containers, dockerd }) {
    const defs = Object.values(CHECKS);
    if (!dockerd.installed) return allOk('docker is not installed', defs);
    if (!containers.known) return reportChecks(defs.map((d) => result(d, 'could-not-check', ['docker did not answer (docker ps -a failed)'])));
    const list = containers.containers.filter((c) => !a.ignore.includes(c.name));
    if (!list.length) return allOk(`no containers${a.ignore.length ? ` (besides ignored ${a.ignore.join(', ')})` : ''}`, defs);
    const checks: CheckResult[] = [];

    const sock = list.flatMap((c) => c.mounts.filter((m) => SOCKET.has(m.source)).map((m) => `${c.name} (${state(c)}): ${m.source} at ${m.destination}`));
    checks.push(sock.length ? result(CHECKS.socket, 'finding', sock) : result(CHECKS.socket, 'ok', [`none of ${list.length} containers mounts the docker socket`]));

    const userns = dockerd.securityOptions.some((o) => o === 'name=userns' || o.startsWith('name=userns,'));
    const roots = list.filter((c) => isRootUser(c.user)).map((c) => `${c.name} (${state(c)}): user ${c.user === '' ? "'' (the image's default, root)" : c.user}`);
    checks.push(!roots.length ? result(CHECKS.root, 'ok', ['every container sets a non-root user'])
      : userns ? result(CHECKS.root, 'ok', [...roots, 'userns-remap is on: root in these containers is an unprivileged user on the host'])
      : result(CHECKS.root, 'finding', roots));

    const floating = list.flatMap((c) => {
      const why = floatingRef(c.image);
      return why ? [`${c.name}: image ${c.image} (${why})`] : [];
    });
    checks.push(floating.length ? result(CHECKS.latest, 'finding', floating) : result(CHECKS.latest, 'ok', ['every container uses a tagged or pinned image']));

    const since = containers.now - a.recent_days * 86400;
    const killed = list
      .filter((c) => (c.oomKilled || c.exitCode === 137) && c.status !== 'running' && (c.finishedAt ?? 0) >= since)
      .map((c) => `${c.name}: ${c.oomKilled ? 'State.OOMKilled' : 'exit code 137 (SIGKILL; the kernel OOM killer outside its own limit, or docker kill / a stop timeout)'}, finished ${new Date(c.finishedAt! * 1000).toISOString()}`);
    // exit 137 alone is as often a stop timeout or `docker rm -f` as the OOM killer: low
    const sure = list.some((c) => c.oomKilled && c.status !== 'running' && (c.finishedAt ?? 0) >= since);
    checks.push(killed.length ? result(CHECKS.oom, 'finding', killed, sure ? {} : { severity: 'low' }) : result(CHECKS.oom, 'ok', [`no container killed for memory in the last ${a.recent_days} days`]));
    return reportChecks(checks);
  },
});
