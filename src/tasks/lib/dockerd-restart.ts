// Waiting for dockerd to answer again after a reload or restart (tasks/lib/service-restart.ts,
// the one restart per host the engine runs for every change that asks).
import { sh, type Script } from '../../shell/sh.js';

/** Up to 30 s for `docker info` to answer; then it must, or the step fails (with `failure` on
 *  stderr when given, else docker's own error). */
export const waitForDocker = (failure?: string): Script =>
  sh`for i in $(seq 1 100); do docker info >/dev/null 2>&1 && break; sleep 0.3; done${failure ? sh`
docker info >/dev/null || { echo ${failure} >&2; exit 1; }` : sh`; docker info >/dev/null`}`;
