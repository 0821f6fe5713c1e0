// The one restart (or reload) of a service that the changes of a play asked for, planned on facts
// like any task: what it runs, and what it interrupts. dockerd gets live-restore made effective
// first when daemon.json turns it on (SIGHUP, then docker info must say so), so running
// containers survive the restart; a restart that would stop them anyway is refused unless allowed.
import { defineTask, type Change, type FactValues, type Impact, type Plan } from '../../types.js';
import { sh, type Script } from '../../shell/sh.js';
import type { Schema } from '../../schema/schema.js';
import { hostFacts } from '../../facts/host.js';
import { dockerDaemonFact, type DockerDaemonState } from '../../facts/docker_daemon.js';
import { comesBack, dockerRunningFact } from '../../facts/docker_running.js';
import { fileFact, type FileState } from '../../facts/file.js';
import { serviceFact } from '../../facts/service.js';
import { waitForDocker } from './dockerd-restart.js';
import { isObj } from './json-merge.js';

const DAEMON = '/etc/docker/daemon.json';

export interface RestartArgs {
  service: string;
  how: 'restart' | 'reload';
  /** what needs it, one entry per asking change (deduplicated) */
  why: string[];
  /** the tasks that asked */
  by: string[];
  stopsContainers: boolean;
  /** running containers may stop (an asking task's argument, or the allow_container_stop variable) */
  allowContainerStop: boolean;
  after: Script[];
}

/** The facts dockerd's restart is planned on; the manager (systemd or not) comes from the host's
 *  base facts, which no change makes stale. */
const dockerFacts = () => ({ host: hostFacts(), dockerd: dockerDaemonFact(), running: dockerRunningFact(), daemon: fileFact(DAEMON) });
const serviceFacts = (name: string) => ({ host: hostFacts(), svc: serviceFact(name) });
type DockerNow = FactValues<ReturnType<typeof dockerFacts>>;
type ServiceNow = FactValues<ReturnType<typeof serviceFacts>>;

/** Keys a restart of dockerd changes. */
export const DOCKER_KEYS = ['docker:daemon', 'docker:info', 'docker:running', 'docker:containers', 'service:docker'];

/** live-restore as dockerd will have it after a start: its command line, else daemon.json. */
export function liveRestoreAfter(dockerd: DockerDaemonState, daemon: FileState): boolean {
  if (dockerd.args.some((a) => a === '--live-restore' || a === '--live-restore=true')) return true;
  if (!daemon.exists || daemon.content === undefined) return false;
  try {
    const conf: unknown = JSON.parse(daemon.content);
    return isObj(conf) && conf['live-restore'] === true;
  } catch {
    return false;
  }
}

const reloadDocker = (systemd: boolean): Script => (systemd ? sh`systemctl reload docker` : sh`kill -HUP $(pidof dockerd)`);
const waitLive = (want: boolean, failure: string) => sh`for i in $(seq 1 50); do [ "$(docker info --format '{{.LiveRestoreEnabled}}' 2>/dev/null)" = ${String(want)} ] && break; sleep 0.2; done
[ "$(docker info --format '{{.LiveRestoreEnabled}}' 2>/dev/null)" = ${String(want)} ] || { echo ${failure} >&2; exit 1; }`;
const asked = (a: RestartArgs) => `${a.why.join('; ')} (asked by ${a.by.map((b) => `'${b}'`).join(', ')})`;

function planDocker(a: RestartArgs, now: DockerNow): Plan {
  if (!now.dockerd.installed) return { ok: 'docker is not installed: nothing to restart' };
  const systemd = now.host.systemd;
  const running = now.dockerd.running;
  const liveAfter = liveRestoreAfter(now.dockerd, now.daemon);
  if (a.how === 'reload') {
    if (!running) return { ok: 'dockerd is not running: it reads its configuration when it starts' };
    const steps = [reloadDocker(systemd), waitForDocker()];
    if (liveAfter !== now.dockerd.liveRestore) steps.push(waitLive(liveAfter, `dockerd did not take live-restore=${liveAfter} on reload (see its log)`));
    return [{ summary: `reload docker (SIGHUP) once for ${asked(a)}: running containers are untouched`, steps, invalidates: DOCKER_KEYS }];
  }
  const containers = running ? now.running : [];
  const liveFirst = running && liveAfter && !now.dockerd.liveRestore && !a.stopsContainers;
  const stops = containers.length > 0 && (a.stopsContainers || !liveAfter);
  if (stops && !a.allowContainerStop) {
    const why = a.stopsContainers ? 'a storage-driver switch stops them whatever live-restore says' : 'live-restore is off in daemon.json';
    throw new Error(`refused: restarting docker for ${asked(a)} would stop ${containers.length} running container${containers.length === 1 ? '' : 's'} (${containers.map((c) => c.name).join(', ')}): ${why}; turn live-restore on (docker_daemon live_restore: true) or set allow_container_stop: true to accept it`);
  }
  const steps: Script[] = [];
  let summary = `${running ? 'restart' : 'start'} docker once for ${asked(a)}`;
  if (liveFirst) {
    // the running daemon takes live-restore on SIGHUP; only then does a restart leave containers running
    steps.push(reloadDocker(systemd), waitForDocker(), waitLive(true, 'dockerd did not take live-restore on reload: not restarting it, its running containers would stop (see its log)'));
    summary += '; live-restore is reloaded first (SIGHUP), so running containers keep running';
  } else if (!running) summary += ' (it is not running)';
  else if (a.stopsContainers) summary += '; running containers are stopped first: a storage-driver switch stops them whatever live-restore says';
  else if (liveAfter) summary += '; live-restore is on: running containers keep running';
  else summary += '; live-restore is off: running containers stop (those with a restart policy come back)';
  if (a.stopsContainers && containers.length) steps.push(sh`docker ps -q | xargs -r docker stop >/dev/null`);
  const log = systemd ? sh`journalctl -u docker -n 5 --no-pager -o cat 2>/dev/null || true` : sh`true`;
  steps.push(
    sh`${systemd ? sh`systemctl restart docker` : sh`service docker restart`} || { ${log}; echo "dockerd did not start again (its log above); the previous files are in this run's backups (fleet rollback)" >&2; exit 1; }`,
    waitForDocker('dockerd does not answer after the restart'),
  );
  const kept = stops ? [] : containers.map((c) => c.name);
  // the promise of live-restore, checked where it is made: the containers still run
  if (kept.length) {
    steps.push(sh`fleet_lost=; for c in ${kept}; do [ "$(docker inspect -f '{{.State.Running}}' "$c" 2>/dev/null)" = true ] || fleet_lost="$fleet_lost $c"; done
[ -z "$fleet_lost" ] || { echo "stopped by the restart although live-restore is on:$fleet_lost" >&2; exit 1; }`);
  }
  steps.push(...a.after);
  const impact: Impact[] = [];
  if (running) impact.push({ kind: 'restart', service: 'docker', summary: `dockerd restarts: the docker API does not answer for ${stops ? '~20 s (running containers are stopped first)' : '~5 s'}; new containers cannot start meanwhile`, duration: stops ? '~20 s' : '~5 s' });
  if (stops) {
    const back = containers.filter(comesBack).map((c) => c.name);
    const gone = containers.filter((c) => !comesBack(c)).map((c) => c.name);
    const names = containers.map((c) => c.name);
    const n = names.length === 1 ? '1 running container stops' : `${names.length} running containers stop`;
    const stay = names.length === 1 ? 'stays' : 'stay';
    const summaryC = a.stopsContainers
      ? `${n} and ${stay} stopped (hidden under the old storage driver): ${names.join(', ')}`
      : !back.length
        ? `${n} and ${stay} stopped until started: ${names.join(', ')}`
        : `${n}: ${names.join(', ')}; back after the restart (restart policy): ${back.join(', ')}${gone.length ? `; stay stopped until started: ${gone.join(', ')}` : ''}`;
    impact.push({ kind: 'containers', summary: summaryC, containers: names, duration: a.stopsContainers || !back.length ? 'until started again' : gone.length ? `~20 s for ${back.join(', ')}; the others until started` : '~20 s' });
  }
  const change: Change = { summary, steps, invalidates: DOCKER_KEYS, ...(impact.length ? { impact } : {}) };
  return [change];
}

function planService(a: RestartArgs, now: ServiceNow): Plan {
  if (!now.svc.exists) return { ok: `service ${a.service} not found: nothing to restart` };
  const systemd = now.svc.manager === 'systemd';
  const verb = a.how === 'reload' && now.svc.active ? 'reload' : now.svc.active ? 'restart' : 'start';
  const step = systemd ? sh`systemctl ${verb} -- ${a.service}` : sh`service ${a.service} ${verb}`;
  const impact: Impact[] = [];
  if (verb === 'restart') {
    impact.push(a.service === 'containerd'
      ? { kind: 'restart', service: 'containerd', summary: 'containerd restarts (~2 s): docker cannot start or stop containers meanwhile; running containers keep running (their shims hold them)', duration: '~2 s' }
      : { kind: 'restart', service: a.service, summary: `${a.service} restarts` });
  }
  return [{ summary: `${verb} ${a.service} once for ${asked(a)}`, steps: [step, ...a.after], invalidates: [`service:${a.service}`], ...(impact.length ? { impact } : {}) }];
}

export const restartTask = defineTask({
  type: 'restart',
  description: 'The one restart or reload of a service that the changes of a play asked for (engine-made, after every task and handler).',
  // built by the engine from the changes' requests, never parsed from a playbook
  args: { kind: 'restart', describe: 'built by the engine', parse: (v: unknown) => v as RestartArgs } satisfies Schema<RestartArgs>,
  facts: (a: RestartArgs) => (a.service === 'docker' ? dockerFacts() : serviceFacts(a.service)) as ReturnType<typeof dockerFacts> & ReturnType<typeof serviceFacts>,
  plan: (a: RestartArgs, now) => (a.service === 'docker' ? planDocker(a, now as never) : planService(a, now as never)),
  verify(a: RestartArgs, after) {
    if (a.service !== 'docker') return (after as ServiceNow).svc.active ? undefined : `${a.service} is not running after the ${a.how}`;
    const d = after as DockerNow;
    if (!d.dockerd.installed) return undefined;
    if (!d.dockerd.running) return 'dockerd does not answer (docker info failed) after the restart';
    const live = liveRestoreAfter(d.dockerd, d.daemon);
    if (live && !d.dockerd.liveRestore) return 'docker info says live-restore is not enabled although daemon.json turns it on';
    return undefined;
  },
});
