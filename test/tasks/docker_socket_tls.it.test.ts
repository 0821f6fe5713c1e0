// docker_socket_tls enforcing on a real lab host (Debian's docker.io 20.10): dockerd on
// tcp://0.0.0.0:2375 without TLS via DOCKER_OPTS (scenario docker-tcp), with a CA, a server and a
// clientAuth client certificate in /etc/docker/tls (scenario docker-tls-certs). Wrong material is
// refused with nothing changed; --check shows the changes; apply; then read without fleet: ss, the
// docker CLI against https://IP:2376 with and without the client certificate, the unix socket,
// daemon.json; a second apply changes nothing; `tcp: off` removes the TCP listener, also checked
// without fleet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { changedTasks, fixture, run, task } from '../support/remediation.js';

const T = '/etc/docker/tls';
const DROPIN = '/etc/systemd/system/docker.service.d/zz-fleet-socket-tls.conf';
const FILES = `/etc/docker/daemon.json /etc/default/docker ${DROPIN}`;

describe('docker_socket_tls enforcing on a lab host', () => {
  let lab: Lab;
  let d: LabHost;
  const sh = async (cmd: string) => d.exec(cmd);
  const out = async (cmd: string) => (await d.exec(cmd)).stdout.trim();
  /** the docker CLI over TCP to the host's own address (not loopback: 0.0.0.0 is what is bound) */
  const overTcp = (port: number, flags: string) => sh(`docker -H tcp://${d.ip}:${port} ${flags} version --format '{{.Server.Version}}'`);
  const withClientCert = `--tlsverify --tlscacert ${T}/ca.pem --tlscert ${T}/client-cert.pem --tlskey ${T}/client-key.pem`;
  const state = () => out(`md5sum ${FILES} 2>&1; pidof dockerd`);

  beforeAll(async () => {
    lab = await startLab({ name: 'sockettls', hosts: [{ kind: 'full', name: 'd', scenarios: ['docker-tcp', 'docker-tls-certs'] }] });
    d = lab.hosts[0]!;
    // an unrelated key that must survive (dockerd reads it at the next restart: docker info shows it)
    expect((await sh(`printf '{\\n  "cgroup-parent": "fleet-lab-inner",\\n  "labels": ["fleet-test=kept"]\\n}\\n' > /etc/docker/daemon.json`)).code).toBe(0);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('the bad state, seen without fleet: plain TCP on 2375 answers anyone', async () => {
    expect(await out('ss -ltn')).toMatch(/:2375 /);
    const plain = await overTcp(2375, '');
    expect(plain.code, plain.stderr).toBe(0);
  });

  it('refuses a key that is not the server certificate\'s: the task fails in one line, nothing changed', async () => {
    const before = await state();
    const r = await run(fixture('docker-socket-tls-wrong-key.yaml'), lab.inventoryPath, ['--yes']);
    expect(r.code, r.out).not.toBe(0);
    const t = task(r.hosts, 'd', 'socket');
    expect(t.status).toBe('failed');
    expect(t.reason).toBe(`refused, nothing changed: ${T}/client-key.pem is not the key of ${T}/server-cert.pem (or is encrypted, which dockerd cannot read)`);
    expect(await state()).toBe(before);
  });

  it('tcp: tls — check shows it, apply does it, independent checks agree, a second apply changes nothing', async () => {
    const pb = fixture('docker-socket-tls.yaml');
    const before = await state();
    const check = await run(pb, lab.inventoryPath, ['--check', '--diff']);
    expect(check.code, check.out).toBe(0);
    const planned = task(check.hosts, 'd', 'socket');
    expect(planned.changes.map((c) => c.summary)).toEqual([
      'update /etc/docker/daemon.json: set hosts, tlsverify, tlscacert, tlscert, tlskey',
      'update /etc/default/docker: remove -H tcp://0.0.0.0:2375 from DOCKER_OPTS',
      `create ${DROPIN}: ExecStart without -H fd://`,
      "restart docker (once, after the play's tasks): listening sockets and TLS settings are not reloadable",
    ]);
    expect(planned.changes[0]!.warnings).toContain('clients of tcp://0.0.0.0:2375 lose access: they need a client certificate from the CA and --tlsverify');
    expect(await state()).toBe(before); // check changed nothing

    const apply = await run(pb, lab.inventoryPath, ['--yes']);
    expect(apply.code, apply.out).toBe(0);
    expect(changedTasks(apply.hosts, ['changed'])).toEqual(changedTasks(check.hosts, ['would-change']));
    expect(task(apply.hosts, 'd', 'socket').changes.map((c) => c.summary)).toEqual(planned.changes.map((c) => c.summary));

    // read without fleet
    const ss = await out('ss -ltn');
    expect(ss).toMatch(/:2376 /);
    expect(ss).not.toMatch(/:2375 /);
    const good = await overTcp(2376, withClientCert);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout.trim()).toMatch(/^20\./);
    const noCert = await overTcp(2376, `--tls --tlscacert ${T}/ca.pem`);
    expect(noCert.code).not.toBe(0);
    expect(noCert.stderr).toMatch(/remote error: tls: (bad certificate|certificate required)/); // dockerd asked for one
    const plainHttp = await overTcp(2376, '');
    expect(plainHttp.code).not.toBe(0);
    expect(plainHttp.stderr).toMatch(/HTTP request to an HTTPS server/);
    expect((await overTcp(2375, '')).code).not.toBe(0); // the old port is gone
    expect((await sh("docker -H unix:///var/run/docker.sock info --format '{{.ServerVersion}}'")).code).toBe(0);
    expect(JSON.parse(await out('cat /etc/docker/daemon.json'))).toEqual({
      'cgroup-parent': 'fleet-lab-inner', labels: ['fleet-test=kept'], hosts: ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2376'],
      tlsverify: true, tlscacert: `${T}/ca.pem`, tlscert: `${T}/server-cert.pem`, tlskey: `${T}/server-key.pem`,
    });
    expect(await out("docker info --format '{{json .Labels}}'")).toContain('fleet-test=kept');
    expect(await out('cat /etc/default/docker')).toBe('DOCKER_OPTS=""');
    expect(await out("tr '\\0' ' ' < /proc/$(pidof dockerd)/cmdline")).toBe('/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock');

    const again = await run(pb, lab.inventoryPath, ['--yes']);
    expect(again.code, again.out).toBe(0);
    expect(changedTasks(again.hosts, ['changed'])).toEqual([]);
    expect(task(again.hosts, 'd', 'socket').reason).toBe(`dockerd listens on TCP only at tcp://0.0.0.0:2376, with tlsverify (CA ${T}/ca.pem)`);
  });

  it('tcp: off — the TCP listener goes, the unix socket stays; a second apply changes nothing', async () => {
    const pb = fixture('docker-socket-off.yaml');
    const check = await run(pb, lab.inventoryPath, ['--check']);
    expect(check.code, check.out).toBe(0);
    expect(task(check.hosts, 'd', 'socket').changes.map((c) => c.summary)).toEqual(['update /etc/docker/daemon.json: set hosts', "restart docker (once, after the play's tasks): listening sockets and TLS settings are not reloadable"]);

    const apply = await run(pb, lab.inventoryPath, ['--yes']);
    expect(apply.code, apply.out).toBe(0);
    expect(changedTasks(apply.hosts, ['changed'])).toEqual(['d:restart docker (once)', 'd:socket']);

    // read without fleet
    expect(await out("ss -ltnpH | grep '\"dockerd\"' || true")).toBe('');
    expect((await overTcp(2376, withClientCert)).code).not.toBe(0);
    expect((await sh("docker -H unix:///var/run/docker.sock info --format '{{.ServerVersion}}'")).code).toBe(0);
    expect(JSON.parse(await out('cat /etc/docker/daemon.json')).hosts).toEqual(['unix:///var/run/docker.sock']);

    const again = await run(pb, lab.inventoryPath, ['--yes']);
    expect(again.code, again.out).toBe(0);
    expect(changedTasks(again.hosts, ['changed'])).toEqual([]);
    expect(task(again.hosts, 'd', 'socket').reason).toBe('dockerd has no TCP listener (unix socket only)');
  });
});
