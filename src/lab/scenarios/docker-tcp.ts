import { sh, type Scenario } from './types.js';

/** Restart docker and wait until it answers and holds `port`. */
export const restartDockerOn = (port: number) => `systemctl restart docker
for i in $(seq 1 50); do docker info >/dev/null 2>&1 && ss -ltn | grep -q ':${port} ' && exit 0; sleep 0.2; done
echo "dockerd does not listen on ${port}" >&2; exit 1`;

export const dockerTcp: Scenario = {
  name: 'docker-tcp',
  kind: 'full',
  limits: "real: dockerd listens on tcp://0.0.0.0:2375 without TLS, set the Debian way (DOCKER_OPTS in /etc/default/docker, read by docker.service).",
  async setup(h) {
    await sh(h, 'docker-tcp', `echo 'DOCKER_OPTS="-H tcp://0.0.0.0:2375"' > /etc/default/docker
${restartDockerOn(2375)}`);
  },
};
