// Containers with one known problem each. Every other container the scenarios start runs as an
// unprivileged user from a pinned tag, so each shows exactly its own problem.
import { LOAD_BUSYBOX } from './shared.js';
import { sh, type Scenario } from './types.js';

const PINNED = `${LOAD_BUSYBOX}
docker tag fleet-lab/busybox fleet-lab/busybox:1.36`;

export const socketMount: Scenario = {
  name: 'socket-mount',
  kind: 'full',
  // after the scenarios that restart docker on the same host
  phase: 6,
  limits: 'real: a running container (non-root, pinned tag) with /var/run/docker.sock bind-mounted.',
  async setup(h) {
    await sh(h, 'socket-mount', `${PINNED}
docker run -d --name fleet-lab-agent --user 65534 -v /var/run/docker.sock:/var/run/docker.sock fleet-lab/busybox:1.36 sleep 1000000 >/dev/null`);
  },
};

export const rootLatest: Scenario = {
  name: 'root-latest',
  kind: 'full',
  // after the scenarios that restart docker on the same host
  phase: 6,
  limits: 'real: a running container as root (no --user, the image sets none) from an untagged image reference (= :latest).',
  async setup(h) {
    await sh(h, 'root-latest', `${LOAD_BUSYBOX}
docker run -d --name fleet-lab-app fleet-lab/busybox sleep 1000000 >/dev/null`);
  },
};

export const oomKilled: Scenario = {
  name: 'oom-killed',
  kind: 'full',
  // after the scenarios that restart docker on the same host
  phase: 6,
  limits: 'real: a container with --memory 8m that allocates 64 MB, killed by the OOM killer of its memory cgroup (State.OOMKilled, exit 137).',
  async setup(h) {
    await sh(h, 'oom-killed', `${PINNED}
# a loaded machine can make one attempt end otherwise (a failed start): try a few times
for i in 1 2 3; do
  docker rm -f fleet-lab-hog >/dev/null 2>&1 || true
  docker run --name fleet-lab-hog --user 65534 --memory 8m --memory-swap 8m fleet-lab/busybox:1.36 dd if=/dev/zero of=/dev/null bs=64M count=1 >/dev/null 2>&1 || true
  s=$(docker inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}} {{.State.Error}}' fleet-lab-hog 2>&1)
  [ "$s" = 'true 137 ' ] && exit 0
done
echo "the container was not OOM-killed: $s" >&2; exit 1`);
  },
};
