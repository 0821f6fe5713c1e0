// Restarting dockerd from a task: the service command for the host's init, the wait until it
// answers again, and the warning when a restart stops running containers.
import { sh, type Script } from '../../shell/sh.js';
import type { DockerDaemonState } from '../../facts/docker_daemon.js';
import type { ServiceState } from '../../facts/service.js';

export const restartDocker = (svc: ServiceState): Script => (svc.manager === 'systemd' ? sh`systemctl restart docker` : sh`service docker restart`);

/** Up to 30 s for `docker info` to answer; then it must, or the step fails (with `failure` on
 *  stderr when given, else docker's own error). */
export const waitForDocker = (failure?: string): Script =>
  sh`for i in $(seq 1 100); do docker info >/dev/null 2>&1 && break; sleep 0.3; done${failure ? sh`
docker info >/dev/null || { echo ${failure} >&2; exit 1; }` : sh`; docker info >/dev/null`}`;

/** Said on a change that restarts dockerd without live-restore (the caller knows whether it will
 *  be on) while containers run. */
export function restartStopsContainers(d: DockerDaemonState): string | undefined {
  return d.containersRunning > 0 ? `live-restore is off: the ${d.containersRunning} running containers stop when docker restarts (those with a restart policy come back)` : undefined;
}
