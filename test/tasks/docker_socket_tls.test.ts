// docker_socket_tls: facts -> checks. TCP without --tlsverify is critical (high on loopback);
// with TLS the CA/server/client certificates are judged; no openssl = could not check; it never
// plans a change.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/schema/schema.js';
import { isOk, type CheckResult } from '../../src/types.js';
import { dockerSocketTlsTask } from '../../src/tasks/docker_socket_tls.js';
import { parseDockerSocket, type DockerSocketState } from '../../src/facts/docker_socket.js';
import { parseX509Text } from '../../src/facts/x509.js';
import type { DockerDaemonState } from '../../src/facts/docker_daemon.js';

const fx = (n: string) => readFileSync(new URL(`../facts/fixtures/${n}`, import.meta.url), 'utf8');
const cert = (path: string, file: string) => ({ path, ...parseX509Text(fx(file)) });
const NOW = Date.UTC(2026, 10, 24) / 1000; // the fixtures were made on 2026-11-23
const socket = (o: Partial<DockerSocketState> = {}): DockerSocketState => ({ installed: true, ss: true, listeners: [], openssl: true, certs: [], now: NOW, ...o });
const dockerd = (args: string[]): DockerDaemonState => ({ installed: true, canValidate: false, args, running: true, liveRestore: false, loggingDriver: 'json-file', securityOptions: [], containersRunning: 0 });
// the facts only the enforcing modes read: as on a host with nothing of fleet's
const rest = { daemon: { exists: false }, defaults: { exists: false }, dropin: { exists: false }, svc: { manager: 'systemd', exists: true, active: true }, tlsFiles: undefined } as const;
const checks = (s: DockerSocketState, args: string[], a: object = {}): CheckResult[] => {
  const p = dockerSocketTlsTask.plan(parseArgs(dockerSocketTlsTask.args, a), { socket: s, dockerd: dockerd(args), ...rest });
  if (!isOk(p)) throw new Error('a findings task planned a change');
  return p.checks!;
};
const byId = (cs: CheckResult[]) => Object.fromEntries(cs.map((c) => [c.id, c]));
const TLS_JSON = '{"tlsverify": true, "tlscacert": "/etc/docker/tls/ca.pem", "tlscert": "/etc/docker/tls/server-cert.pem", "tlskey": "/etc/docker/tls/server-key.pem"}';
const CERTS = [cert('/etc/docker/tls/ca.pem', 'x509-ca.txt'), cert('/etc/docker/tls/server-cert.pem', 'x509-server-san.txt'), cert('/etc/docker/tls/client-cert.pem', 'x509-client-auth.txt')];

describe('docker_socket_tls', () => {
  it('unix socket only: every check ok, with the reason', () => {
    const cs = checks(socket(), ['-H', 'fd://']);
    expect(cs.map((c) => `${c.id} ${c.status}`)).toEqual(['docker-tcp-no-tls ok', 'docker-tls-cert-expiry ok', 'docker-tls-server-san ok', 'docker-tls-client-eku ok']);
    expect(cs[0]!.evidence).toEqual(['dockerd listens on no TCP port']);
  });
  it('tcp://0.0.0.0:2375 without TLS: critical, with where it was seen', () => {
    const c = byId(checks(socket({ listeners: ['*:2375'] }), ['-H', 'fd://', '-H', 'tcp://0.0.0.0:2375']))['docker-tcp-no-tls']!;
    expect(c).toMatchObject({ status: 'finding', severity: 'critical', evidence: ['dockerd listens on tcp://0.0.0.0:2375 (dockerd command line, ss -ltnp)', 'no --tlsverify on the command line or in /etc/docker/daemon.json: no authentication at all'] });
    expect(c.advice).toMatch(/root on the host/);
    // seen only by ss (a flag set some other way): still found
    expect(byId(checks(socket({ listeners: ['0.0.0.0:4243'] }), ['-H', 'fd://']))['docker-tcp-no-tls']!.evidence[0]).toBe('dockerd listens on tcp://0.0.0.0:4243 (ss -ltnp)');
    // loopback only: high; --tls without verify: still a finding
    expect(byId(checks(socket(), ['-H', 'tcp://127.0.0.1:2375']))['docker-tcp-no-tls']!.severity).toBe('high');
    expect(byId(checks(socket({ certs: CERTS }), ['-H', 'tcp://0.0.0.0:2376', '--tls', '--tlscacert', '/etc/docker/tls/ca.pem', '--tlscert', '/etc/docker/tls/server-cert.pem']))['docker-tcp-no-tls']!.evidence[1]).toBe('TLS without client verification: --tls (dockerd command line) (--tls alone does not authenticate clients)');
  });
  it('tlsverify with good certificates: all ok', () => {
    const cs = byId(checks(socket({ daemonJson: TLS_JSON, certs: CERTS, listeners: ['*:2376'] }), ['-H', 'fd://', '-H', 'tcp://0.0.0.0:2376']));
    expect(Object.values(cs).map((c) => c.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(cs['docker-tls-client-eku']!.evidence).toEqual(['client certificate /etc/docker/tls/client-cert.pem: clientAuth']);
    expect(cs['docker-tls-server-san']!.evidence).toEqual(['server certificate /etc/docker/tls/server-cert.pem: DNS:docker.example, IP Address:10.0.0.5']);
  });
  it('a client certificate without any EKU is a finding; a server certificate without SANs too', () => {
    const weak = [CERTS[0]!, { ...CERTS[1]!, san: undefined }, cert('/root/.docker/cert.pem', 'x509-client-no-eku.txt')];
    const cs = byId(checks(socket({ daemonJson: TLS_JSON, certs: weak }), ['-H', 'tcp://0.0.0.0:2376']));
    expect(cs['docker-tls-client-eku']).toMatchObject({ status: 'finding', severity: 'high', evidence: ['client certificate /root/.docker/cert.pem (CN = client, issued by CN = fleet-lab-ca): no extendedKeyUsage, so Go accepts it for any purpose'] });
    expect(cs['docker-tls-server-san']).toMatchObject({ status: 'finding', evidence: ['server certificate /etc/docker/tls/server-cert.pem (CN = docker.example) has no subjectAltName'] });
    expect(cs['docker-tcp-no-tls']!.status).toBe('ok');
  });
  it('expiry: expired is high, within expiry_days medium', () => {
    const later = NOW + 340 * 86400; // the leaf certificates end on 2027-11-23
    expect(byId(checks(socket({ daemonJson: TLS_JSON, certs: CERTS, now: later }), []))['docker-tls-cert-expiry']).toMatchObject({ status: 'finding', severity: 'medium', evidence: ['server certificate /etc/docker/tls/server-cert.pem expires on 2027-11-23 (within 30 days)', 'client certificate /etc/docker/tls/client-cert.pem expires on 2027-11-23 (within 30 days)'] });
    expect(byId(checks(socket({ daemonJson: TLS_JSON, certs: CERTS, now: later }), [], { expiry_days: 5 }))['docker-tls-cert-expiry']!.status).toBe('ok');
    expect(byId(checks(socket({ daemonJson: TLS_JSON, certs: CERTS, now: later + 30 * 86400 }), []))['docker-tls-cert-expiry']).toMatchObject({ status: 'finding', severity: 'high' });
  });
  it('no openssl, or no certificate where dockerd looks: could not check, never ok', () => {
    const cs = checks(socket({ daemonJson: TLS_JSON, openssl: false }), ['-H', 'tcp://0.0.0.0:2376']);
    expect(cs.slice(1).map((c) => `${c.status}: ${c.evidence.join()}`)).toEqual(Array(3).fill('could-not-check: openssl is not installed on the host (fleet installs nothing to look)'));
    expect(byId(checks(socket({ daemonJson: TLS_JSON, certs: [] }), []))['docker-tls-client-eku']).toMatchObject({ status: 'could-not-check', evidence: ['CA certificate /etc/docker/tls/ca.pem is missing or not a certificate'] });
  });
  it('docker not installed: ok for every check', () => {
    const p = dockerSocketTlsTask.plan(parseArgs(dockerSocketTlsTask.args, {}), { socket: socket({ installed: false }), dockerd: { ...dockerd([]), installed: false }, ...rest });
    expect(p).toMatchObject({ ok: 'no findings' });
  });
  it('parses its probe output', () => {
    const b = (s: string) => Buffer.from(s).toString('base64');
    const s = parseDockerSocket(`installed=1\nnow=${NOW}\njson=${b(TLS_JSON)}\nss=1\nlisten=*:2376\nopenssl=1\ncert=${b('/etc/docker/tls/ca.pem')}|${b(fx('x509-ca.txt'))}\n`);
    expect(s).toMatchObject({ installed: true, now: NOW, daemonJson: TLS_JSON, ss: true, listeners: ['*:2376'], openssl: true, certs: [{ path: '/etc/docker/tls/ca.pem', isCa: true }] });
    expect(parseDockerSocket('')).toMatchObject({ installed: false, certs: [], listeners: [] });
  });
});
