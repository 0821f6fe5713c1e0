import { restartDockerOn } from './docker-tcp.js';
import { makeCerts } from './docker-tls-certs.js';
import { sh, type Scenario } from './types.js';

export const dockerTlsWeakClient: Scenario = {
  name: 'docker-tls-weak-client',
  kind: 'full',
  limits: 'real: dockerd on tcp://0.0.0.0:2376 with --tlsverify and a CA, server and client certificates made with openssl; the client certificate has no extendedKeyUsage (Go accepts it for any purpose).',
  async setup(h) {
    await sh(h, 'docker-tls-weak-client', `${makeCerts({ caCn: 'fleet-lab-docker-ca', clientExt: '' })}
cat > /etc/docker/daemon.json <<'J'
{
  "cgroup-parent": "fleet-lab-inner",
  "tlsverify": true,
  "tlscacert": "/etc/docker/tls/ca.pem",
  "tlscert": "/etc/docker/tls/server-cert.pem",
  "tlskey": "/etc/docker/tls/server-key.pem"
}
J
echo 'DOCKER_OPTS="-H tcp://0.0.0.0:2376"' > /etc/default/docker
${restartDockerOn(2376)}`);
  },
};
