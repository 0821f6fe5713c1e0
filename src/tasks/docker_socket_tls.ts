// The daemon socket on TCP (REMEDIATIONS §6). A TCP socket without --tlsverify is root for anyone
// who reaches it; with TLS, the CA, server and client certificates are checked (expiry, the
// server's SAN, and client certificates without the clientAuth extended key usage — Go accepts a
// certificate without any EKU for every purpose). By default findings only (`tcp: report`, what
// audit.yaml plays); `tcp: tls` and `tcp: off` enforce (lib/docker-socket-enforce.ts).
import { defineTask, type CheckResult, type Plan } from '../types.js';
import { doc, int, list, object, oneOf, optional, SchemaError, string, withDefault, bool, plain } from '../schema/schema.js';
import { dockerDaemonFact } from '../facts/docker_daemon.js';
import { dockerSocketFact, dockerTlsFilesFact, type CertFile, type DockerSocketState } from '../facts/docker_socket.js';
import { CLIENT_AUTH } from '../facts/x509.js';
import { fileFact } from '../facts/file.js';
import { serviceFact } from '../facts/service.js';
import { dockerdConfig, tcpEndpoints, type DockerdConfig } from './lib/dockerd-config.js';
import { DEFAULTS, DROPIN } from './lib/dockerd-sockets.js';
import { allOk, reportChecks, result, type CheckDef } from './lib/checks.js';
import { enforcePlan, type Now } from './lib/docker-socket-enforce.js';

const LISTEN = /^tcp:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]*):(\d{1,5})$/;

const args = object({
  tcp: doc(withDefault(oneOf(['report', 'tls', 'off']), 'report'), "report: findings only, changes nothing; tls: dockerd listens on TCP only at `listen`, with tlsverify and the given certificates; off: no TCP listener, the unix socket only"),
  listen: doc(withDefault(list(string(), { acceptSingle: true }), ['tcp://0.0.0.0:2376']), 'tcp: tls — the TCP addresses dockerd listens on (tcp://ADDRESS:PORT); every other TCP listener is removed'),
  cacert: doc(optional(plain()), 'tcp: tls — the CA certificate on the host that client certificates must chain to (required with tls)'),
  cert: doc(optional(plain()), 'tcp: tls — the server certificate on the host (SANs; serverAuth if it has an EKU; required with tls)'),
  key: doc(optional(plain()), "tcp: tls — the server certificate's private key on the host (required with tls)"),
  restart_docker: doc(withDefault(bool(), true), 'tcp: tls/off — restart dockerd when its sockets change (hosts and TLS are not reloadable) and verify it; false: leave it to a handler'),
  expiry_days: doc(withDefault(int({ min: 0, max: 3650 }), 30), 'a certificate expiring within this many days is a finding'),
  client_certs: doc(withDefault(list(plain(), { acceptSingle: true }), []), "more client certificate paths to check (the CA's directory and root's ~/.docker are always read)"),
}, (a, path) => {
  const files = (['cacert', 'cert', 'key'] as const).filter((k) => a[k] !== undefined);
  if (a.tcp === 'tls') {
    for (const k of ['cacert', 'cert', 'key'] as const) if (!a[k]?.startsWith('/')) throw new SchemaError([...path, k], a[k] === undefined ? 'is required with tcp: tls (fleet does not make certificates: name the files on the host)' : `must be an absolute path, got '${a[k]}'`);
    if (!a.listen.length) throw new SchemaError([...path, 'listen'], 'needs at least one tcp://ADDRESS:PORT with tcp: tls (or use tcp: off)');
    for (const [i, l] of a.listen.entries()) {
      const m = LISTEN.exec(l);
      if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new SchemaError([...path, 'listen', i], `must be tcp://ADDRESS:PORT, got '${l}'`);
    }
  } else if (files.length) throw new SchemaError([...path, files[0]!], `is used only with tcp: tls (tcp is ${a.tcp})`);
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

function tlsChecks(a: Pick<Args, 'expiry_days'>, c: DockerdConfig, now: DockerSocketState): CheckResult[] {
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

const facts = (a: Args) => ({
  // enforcing TLS: the named CA and server certificate are read too (and client certificates next to the CA)
  socket: dockerSocketFact(a.tcp === 'tls' ? [...a.client_certs, a.cacert!, a.cert!] : a.client_certs),
  dockerd: dockerDaemonFact(),
  daemon: fileFact('/etc/docker/daemon.json'),
  defaults: fileFact(DEFAULTS),
  dropin: fileFact(DROPIN),
  svc: serviceFact('docker'),
  tlsFiles: dockerTlsFilesFact(a.tcp === 'tls' ? { cacert: a.cacert!, cert: a.cert!, key: a.key! } : undefined),
});

/** The checks as the host is now; with `tcp: tls`, certificates judged against the CA it is told to use. */
export function currentChecks(a: Args, now: Pick<Now, 'socket' | 'dockerd'>): CheckResult[] {
  const c = dockerdConfig({ daemonJson: now.socket.daemonJson, args: now.dockerd.args, unit: now.socket.unit, defaults: now.socket.defaults });
  const tlsc = a.tcp === 'tls' ? { ...c, tls: true, tlsverify: true, cacert: a.cacert, cert: a.cert } : c;
  return [tcpCheck(c, now.socket), ...tlsChecks(a, tlsc, now.socket)];
}

function plan(a: Args, now: Now): Plan {
  if (!now.socket.installed) return allOk('docker is not installed', Object.values(CHECKS));
  if (a.tcp === 'report') return reportChecks(currentChecks(a, now));
  return enforcePlan(a, now, { keys: Object.values(facts(a)).map((f) => f.key), checks: currentChecks(a, now) });
}

export const dockerSocketTlsTask = defineTask({
  type: 'docker_socket_tls',
  description: 'dockerd on a TCP socket without --tlsverify (daemon.json hosts, the unit\'s -H flags, ss -ltnp), and with TLS its CA, server and client certificates (expiry, server SAN, client certificates without clientAuth) read with openssl on the host. tcp: report (default) changes nothing; tcp: tls makes dockerd listen on TCP only with tlsverify and certificates already on the host (checked first); tcp: off leaves the unix socket only.',
  severity: 'critical',
  args,
  facts,
  plan,
  verify(a, after) {
    if (a.tcp === 'report') return undefined;
    const again = plan(a, after);
    if (Array.isArray(again)) return again.map((c) => c.summary).join('; ');
    // answers on the unix socket (docker info, no DOCKER_HOST), where systemd says it should run
    if (a.restart_docker && after.dockerd.installed && after.svc.active && !after.dockerd.running) return 'dockerd does not answer on /var/run/docker.sock';
    return undefined;
  },
});
