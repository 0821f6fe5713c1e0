import { restartDockerOn } from './docker-tcp.js';
import { sh, type Scenario } from './types.js';

export const dockerTlsWeakClient: Scenario = {
  name: 'docker-tls-weak-client',
  kind: 'full',
  limits: 'real: dockerd on tcp://0.0.0.0:2376 with --tlsverify and a CA, server and client certificates made with openssl; the client certificate has no extendedKeyUsage (Go accepts it for any purpose).',
  async setup(h) {
    await sh(h, 'docker-tls-weak-client', `d=/etc/docker/tls; mkdir -p $d; cd $d
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca-key.pem -out ca.pem -days 3650 -subj /CN=fleet-lab-docker-ca 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server-key.pem -out server.csr -subj /CN=$(hostname) 2>/dev/null
printf 'subjectAltName=DNS:%s,IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' "$(hostname)" > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 365 -extfile server.ext -out server-cert.pem 2>/dev/null
# the weak one: signed by the same CA, no extensions at all
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client-key.pem -out client.csr -subj /CN=fleet-lab-client 2>/dev/null
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -days 365 -out client-cert.pem 2>/dev/null
rm -f *.csr *.ext; chmod 600 *-key.pem
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
