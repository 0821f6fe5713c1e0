// Findings only (REMEDIATIONS §6): the daemon socket on TCP. A TCP socket without --tlsverify is
// root for anyone who reaches it; with TLS, the CA, server and client certificates are checked
// (expiry, the server's SAN, and client certificates without the clientAuth extended key usage —
// Go accepts a certificate without any EKU for every purpose). Changes nothing.
import { defineTask, type CheckResult } from '../types.js';
import { doc, int, list, object, string, withDefault } from '../schema/schema.js';
import { dockerDaemonFact } from '../facts/docker_daemon.js';
import { dockerSocketFact, type CertFile, type DockerSocketState } from '../facts/docker_socket.js';
import { CLIENT_AUTH } from '../facts/x509.js';
import { dockerdConfig, tcpEndpoints, type DockerdConfig } from './lib/dockerd-config.js';
import { allOk, reportChecks, result, type CheckDef } from './lib/checks.js';

const args = object({
  expiry_days: doc(withDefault(int({ min: 0, max: 3650 }), 30), 'a certificate expiring within this many days is a finding'),
  client_certs: doc(withDefault(list(string(), { acceptSingle: true }), []), "more client certificate paths to check (the CA's directory and root's ~/.docker are always read)"),
});
type Args = ReturnType<typeof args.parse>;

export const CHECKS = {
  tcp: { id: 'docker-tcp-no-tls', title: 'dockerd listens on TCP without --tlsverify', severity: 'critical', advice: 'Anyone who reaches this port controls dockerd (= root on the host). Remove the tcp:// host, or set "tlsverify": true with a dedicated CA, a server certificate (serverAuth + SANs) and client certificates with extendedKeyUsage = clientAuth.' },
  expiry: { id: 'docker-tls-cert-expiry', title: 'TLS certificates of the daemon socket expired or about to', severity: 'high', advice: 'Renew the certificates from the same CA before they expire; an expired server or CA certificate stops every TLS client.' },
  san: { id: 'docker-tls-server-san', title: 'daemon server certificate without subjectAltName', severity: 'medium', advice: 'Clients built with Go 1.15 or later refuse a server certificate without SANs: reissue it with subjectAltName = DNS:<name>,IP:<address> for every name clients use.' },
  eku: { id: 'docker-tls-client-eku', title: 'client certificate without the clientAuth extended key usage', severity: 'high', advice: 'Any certificate this CA signed without an extendedKeyUsage is accepted as a Docker client (= root). Use a CA dedicated to dockerd, issue client certificates with extendedKeyUsage = clientAuth, and revoke or stop trusting the others.' },
} satisfies Record<string, CheckDef>;
const TLS = [CHECKS.expiry, CHECKS.san, CHECKS.eku];

const day = 86400;
const when = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);

function tcpCheck(c: DockerdConfig, now: DockerSocketState): CheckResult {
  const eps = tcpEndpoints(c, now.listeners);
  if (!eps.length) return result(CHECKS.tcp, 'ok', [`dockerd listens on no TCP port${now.ss ? '' : ' (by its configuration; ss is not installed)'}`]);
  const where = eps.map((e) => `dockerd listens on tcp://${e.address} (${e.from.join(', ')})`);
  if (c.tlsverify) return result(CHECKS.tcp, 'ok', [...where, `client certificates are required: ${c.tlsFrom.join(', ')}`]);
  const why = c.tls ? `TLS without client verification: ${c.tlsFrom.join(', ')} (--tls alone does not authenticate clients)` : 'no --tlsverify on the command line or in /etc/docker/daemon.json: no authentication at all';
  // loopback only: every local user is root through it; otherwise anyone on the network is
  return result(CHECKS.tcp, 'finding', [...where, why], eps.every((e) => e.loopback) ? { severity: 'high' } : {});
}

function tlsChecks(a: Args, c: DockerdConfig, now: DockerSocketState): CheckResult[] {
  if (!c.tls) return TLS.map((d) => result(d, 'ok', ['dockerd does not use TLS: no certificates to check']));
  if (!now.openssl) return TLS.map((d) => result(d, 'could-not-check', ['openssl is not installed on the host (fleet installs nothing to look)']));
  const byPath = (p?: string) => now.certs.find((x) => x.path === p);
  const ca = byPath(c.cacert);
  const server = byPath(c.cert);
  const noCa = ca ? [] : [`CA certificate ${c.cacert} is missing or not a certificate`];
  const noServer = server ? [] : [`server certificate ${c.cert} is missing or not a certificate`];
  // client certificates: the others this CA issued (the CA's directory, root's ~/.docker, client_certs)
  const clients = ca ? now.certs.filter((x) => x.path !== ca.path && x.path !== server?.path && !x.isCa && x.issuer === ca.subject) : [];

  const dated: [string, CertFile][] = [...(ca ? [['CA', ca] as [string, CertFile]] : []), ...(server ? [['server', server] as [string, CertFile]] : []), ...clients.map((x) => ['client', x] as [string, CertFile])];
  const soon = now.now + a.expiry_days * day;
  const expired = dated.filter(([, x]) => x.notAfter !== undefined && x.notAfter <= now.now);
  const expiring = dated.filter(([, x]) => x.notAfter !== undefined && x.notAfter > now.now && x.notAfter <= soon);
  const exp = [...expired.map(([r, x]) => `${r} certificate ${x.path} expired on ${when(x.notAfter!)}`), ...expiring.map(([r, x]) => `${r} certificate ${x.path} expires on ${when(x.notAfter!)} (within ${a.expiry_days} days)`)];
  const expiry = exp.length
    ? result(CHECKS.expiry, 'finding', [...exp, ...noCa, ...noServer], expired.length ? {} : { severity: 'medium' })
    : noCa.length || noServer.length
      ? result(CHECKS.expiry, 'could-not-check', [...noCa, ...noServer])
      : result(CHECKS.expiry, 'ok', dated.map(([r, x]) => `${r} certificate ${x.path} valid until ${x.notAfter ? when(x.notAfter) : '?'}`));

  const san = !server
    ? result(CHECKS.san, 'could-not-check', noServer)
    : server.san?.length
      ? result(CHECKS.san, 'ok', [`server certificate ${server.path}: ${server.san.join(', ')}`])
      : result(CHECKS.san, 'finding', [`server certificate ${server.path} (${server.subject}) has no subjectAltName`]);

  const weak = clients.filter((x) => !x.eku?.includes(CLIENT_AUTH));
  const eku = !ca
    ? result(CHECKS.eku, 'could-not-check', noCa)
    : weak.length
      ? result(CHECKS.eku, 'finding', weak.map((x) => `client certificate ${x.path} (${x.subject}, issued by ${x.issuer}): ${x.eku ? `extendedKeyUsage ${x.eku.join(', ')}, no clientAuth` : 'no extendedKeyUsage, so Go accepts it for any purpose'}`))
      : result(CHECKS.eku, 'ok', clients.length ? clients.map((x) => `client certificate ${x.path}: clientAuth`) : [`no client certificates from ${ca.subject} on this host`]);
  return [expiry, san, eku];
}

export const dockerSocketTlsTask = defineTask({
  type: 'docker_socket_tls',
  description: 'Findings only: dockerd on a TCP socket without --tlsverify (daemon.json hosts, the unit\'s -H flags, ss -ltnp), and with TLS its CA, server and client certificates (expiry, server SAN, client certificates without clientAuth) read with openssl on the host. Changes nothing.',
  severity: 'critical',
  args,
  facts: (a: Args) => ({ socket: dockerSocketFact(a.client_certs), dockerd: dockerDaemonFact() }),
  plan(a, { socket, dockerd }) {
    if (!socket.installed) return allOk('docker is not installed', Object.values(CHECKS));
    const c = dockerdConfig({ daemonJson: socket.daemonJson, args: dockerd.args, unit: socket.unit, defaults: socket.defaults });
    return reportChecks([tcpCheck(c, socket), ...tlsChecks(a, c, socket)]);
  },
});
