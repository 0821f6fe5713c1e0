import { sh, type Scenario } from './types.js';

/** Shell that makes a CA, a server and a client certificate with openssl in /etc/docker/tls
 *  (ca.pem, server-cert.pem, client-cert.pem and their -key.pem). The server certificate has
 *  serverAuth and SANs (the hostname, 127.0.0.1, `serverIps` shell words); `clientExt` is the
 *  client's extension text, '' for none at all (Go then accepts it for any purpose). */
export function makeCerts(o: { caCn: string; clientExt: string; serverIps?: string }): string {
  const ips = o.serverIps ? `$(for ip in ${o.serverIps}; do printf ',IP:%s' "$ip"; done)` : '';
  const client = o.clientExt ? `printf '${o.clientExt}\\n' > client.ext
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -days 365 -extfile client.ext -out client-cert.pem 2>/dev/null` : `openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -days 365 -out client-cert.pem 2>/dev/null`;
  return `d=/etc/docker/tls; mkdir -p $d; cd $d
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca-key.pem -out ca.pem -days 3650 -subj /CN=${o.caCn} 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server-key.pem -out server.csr -subj /CN=$(hostname) 2>/dev/null
printf 'subjectAltName=DNS:%s,IP:127.0.0.1%s\\nextendedKeyUsage=serverAuth\\n' "$(hostname)" "${ips}" > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 365 -extfile server.ext -out server-cert.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client-key.pem -out client.csr -subj /CN=fleet-lab-client 2>/dev/null
${client}
rm -f *.csr *.ext; chmod 600 *-key.pem`;
}

export const dockerTlsCerts: Scenario = {
  name: 'docker-tls-certs',
  kind: 'full',
  limits: 'real: a CA, a server certificate (serverAuth; SANs: the hostname, 127.0.0.1 and the host\'s addresses) and a client certificate with extendedKeyUsage = clientAuth in /etc/docker/tls, made with openssl; dockerd is not told about them.',
  async setup(h) {
    await sh(h, 'docker-tls-certs', makeCerts({ caCn: 'fleet-lab-docker-ca', clientExt: 'extendedKeyUsage=clientAuth', serverIps: '$(hostname -I)' }));
  },
};
