// docker_socket_tls enforcing (`tcp: tls`, `tcp: off`), pure planning from facts: Debian's docker.io
// with DOCKER_OPTS="-H tcp://0.0.0.0:2375" (the lab's docker-tcp) becomes daemon.json hosts + TLS,
// DOCKER_OPTS without -H, a drop-in without -H fd://, then a restart; the state after plans
// nothing; bad TLS material is refused before anything changes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/schema/schema.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { dockerSocketTlsTask } from '../../src/tasks/docker_socket_tls.js';
import { parseTlsFiles, type DockerSocketState, type TlsFilesState } from '../../src/facts/docker_socket.js';
import { parseX509Text } from '../../src/facts/x509.js';
import type { DockerDaemonState } from '../../src/facts/docker_daemon.js';
import type { FileState } from '../../src/facts/file.js';
import type { Now } from '../../src/tasks/lib/docker-socket-enforce.js';
import { dockerdFlags, execStart, withoutFlags } from '../../src/tasks/lib/dockerd-config.js';
import { DROPIN } from '../../src/tasks/lib/dockerd-sockets.js';

const fx = (n: string) => readFileSync(new URL(`../facts/fixtures/${n}`, import.meta.url), 'utf8');
const cert = (path: string, file: string) => ({ path, ...parseX509Text(fx(file)) });
const NOW = Date.UTC(2026, 10, 24) / 1000;
const T = '/etc/docker/tls';
const CERTS = [cert(`${T}/ca.pem`, 'x509-ca.txt'), cert(`${T}/server-cert.pem`, 'x509-server-san.txt'), cert(`${T}/client-cert.pem`, 'x509-client-auth.txt')];
const TLS_ARGS = { tcp: 'tls', cacert: `${T}/ca.pem`, cert: `${T}/server-cert.pem`, key: `${T}/server-key.pem` };

const UNIT = `# /lib/systemd/system/docker.service
[Unit]
Description=Docker Application Container Engine

[Service]
Type=notify
EnvironmentFile=-/etc/default/docker
ExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS
ExecReload=/bin/kill -s HUP $MAINPID

# /etc/systemd/system/docker.service.d/fleet-lab.conf
[Unit]
StartLimitIntervalSec=0
`;
const EXEC_AFTER = '/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock $DOCKER_OPTS';
const DROPIN_AFTER = `# Written by fleet (docker_socket_tls): dockerd takes its sockets and TLS settings from
# /etc/docker/daemon.json; the same flags here would stop it from starting.
[Service]
ExecStart=
ExecStart=${EXEC_AFTER}
`;
const JSON_BEFORE = '{\n  "cgroup-parent": "fleet-lab-inner"\n}\n';
const JSON_TLS = { 'cgroup-parent': 'fleet-lab-inner', hosts: ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2376'], tlsverify: true, tlscacert: `${T}/ca.pem`, tlscert: `${T}/server-cert.pem`, tlskey: `${T}/server-key.pem` };
const TCP_OPTS = 'DOCKER_OPTS="-H tcp://0.0.0.0:2375"\n';

const file = (content?: string): FileState => (content === undefined ? { exists: false } : { exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', size: content.length, content });
const goodFiles: TlsFilesState = { openssl: true, files: { ca: { mode: '644', owner: 'root' }, cert: { mode: '644', owner: 'root' }, key: { mode: '600', owner: 'root' } }, verified: true, verifyOutput: '/etc/docker/tls/server-cert.pem: OK', keyMatches: true };
const dockerd = (args: string[], o: Partial<DockerDaemonState> = {}): DockerDaemonState => ({ installed: true, canValidate: false, args, running: true, liveRestore: false, loggingDriver: 'json-file', securityOptions: [], containersRunning: 0, ...o });

/** The lab's docker-tcp host: Debian's unit, DOCKER_OPTS with plain TCP, dockerd holding 2375. */
function tcpHost(o: { json?: string; defaults?: string; unit?: string; dropin?: string; args?: string[]; listeners?: string[]; certs?: typeof CERTS; tlsFiles?: TlsFilesState } = {}): Now {
  const json = o.json ?? JSON_BEFORE;
  const defaults = o.defaults ?? TCP_OPTS;
  const unit = o.unit ?? UNIT;
  const socket: DockerSocketState = { installed: true, daemonJson: json, unit, defaults, ss: true, listeners: o.listeners ?? ['0.0.0.0:2375'], openssl: true, certs: o.certs ?? CERTS, now: NOW };
  return { socket, dockerd: dockerd(o.args ?? ['-H', 'fd://', '--containerd=/run/containerd/containerd.sock', '-H', 'tcp://0.0.0.0:2375']), daemon: file(json), defaults: file(defaults), dropin: file(o.dropin), svc: { manager: 'systemd', exists: true, active: true }, tlsFiles: o.tlsFiles ?? goodFiles };
}
/** The same host once converged: every file as the plan wrote it, dockerd restarted with them. */
const tlsHost = (o: Parameters<typeof tcpHost>[0] = {}) =>
  tcpHost({ json: `${JSON.stringify(JSON_TLS, null, 2)}\n`, defaults: 'DOCKER_OPTS=""\n', unit: `${UNIT}\n# ${DROPIN}\n${DROPIN_AFTER}`, dropin: DROPIN_AFTER, args: ['--containerd=/run/containerd/containerd.sock'], listeners: ['*:2376'], ...o });

const plan = (a: object, now: Now): Plan => dockerSocketTlsTask.plan(parseArgs(dockerSocketTlsTask.args, a), now);
const changes = (a: object, now: Now): Change[] => {
  const p = plan(a, now);
  if (isOk(p)) throw new Error(`planned no change: ${p.ok}`);
  return p;
};
const text = (c: Change) => c.steps.map(String).join('\n');

describe('docker_socket_tls tcp: tls', () => {
  it('from plain TCP in DOCKER_OPTS: daemon.json, DOCKER_OPTS, a drop-in without -H fd://, a restart', () => {
    const cs = changes(TLS_ARGS, tcpHost());
    expect(cs.map((c) => c.summary)).toEqual([
      'update /etc/docker/daemon.json: set hosts, tlsverify, tlscacert, tlscert, tlskey',
      'update /etc/default/docker: remove -H tcp://0.0.0.0:2375 from DOCKER_OPTS',
      `create ${DROPIN}: ExecStart without -H fd://`,
      "restart docker (once, after the play's tasks): listening sockets and TLS settings are not reloadable",
    ]);
    // every other key kept, in its place
    expect(JSON.parse(cs[0]!.diff!.after)).toEqual(JSON_TLS);
    expect(Object.keys(JSON.parse(cs[0]!.diff!.after))[0]).toBe('cgroup-parent');
    expect(cs[1]!.diff).toEqual({ path: '/etc/default/docker', before: TCP_OPTS, after: 'DOCKER_OPTS=""\n' });
    expect(cs[2]!.diff!.after).toBe(DROPIN_AFTER);
    expect(text(cs[2]!)).toMatch(/^mkdir -p \/etc\/systemd\/system\/docker.service.d\n[\s\S]*\nsystemctl daemon-reload$/);
    // the restart is the engine's (one per host, after the play's tasks); the port check follows it
    expect(text(cs[3]!)).toBe('');
    expect(cs[3]!.restarts).toMatchObject([{ service: 'docker', how: 'restart', why: 'listening sockets and TLS settings' }]);
    expect(cs[3]!.restarts![0]!.after!.map(String).join('\n')).toContain("grep -q ':2376 '");
    expect(cs[0]!.warnings).toEqual(['clients of tcp://0.0.0.0:2375 lose access: they need a client certificate from the CA and --tlsverify']);
    // the daemon's state changes: nothing predicted, every fact re-read
    for (const c of cs) expect(c.predicts).toBeUndefined();
    expect(cs[0]!.invalidates).toEqual(expect.arrayContaining(['file:/etc/docker/daemon.json', 'docker:daemon', `file:${DROPIN}`]));
  });

  it('the state it leaves plans nothing, with the checks attached', () => {
    const p = plan(TLS_ARGS, tlsHost());
    expect(p).toMatchObject({ ok: 'dockerd listens on TCP only at tcp://0.0.0.0:2376, with tlsverify (CA /etc/docker/tls/ca.pem)' });
    if (!isOk(p)) throw new Error('changes');
    expect(p.checks!.map((c) => `${c.id} ${c.status}`)).toEqual(['docker-tcp-no-tls ok', 'docker-tls-cert-expiry ok', 'docker-tls-server-san ok', 'docker-tls-client-eku ok']);
    // hosts in another order are the same sockets
    const swapped = { ...JSON_TLS, hosts: ['tcp://0.0.0.0:2376', 'unix:///var/run/docker.sock'] };
    expect(isOk(plan(TLS_ARGS, tlsHost({ json: JSON.stringify(swapped) })))).toBe(true);
  });

  it('files right but dockerd not restarted since: a restart alone, saying why', () => {
    const cs = changes(TLS_ARGS, tlsHost({ args: ['-H', 'fd://', '-H', 'tcp://0.0.0.0:2375'], listeners: ['0.0.0.0:2375'] }));
    expect(cs.map((c) => c.summary)).toEqual(["dockerd does not run with its configuration yet (it runs with -H fd://, -H tcp://0.0.0.0:2375; ss shows it on TCP 2375, not TCP 2376): docker restarts once after the play's tasks"]);
  });

  it('restart_docker: false writes the files and leaves dockerd to a handler', () => {
    const cs = changes({ ...TLS_ARGS, restart_docker: false }, tcpHost());
    expect(cs).toHaveLength(3);
    expect(cs[0]!.warnings).toContain('restart_docker is false: dockerd keeps its old sockets until it restarts (notify a handler that restarts docker)');
    expect(isOk(plan({ ...TLS_ARGS, restart_docker: false }, tlsHost({ args: ['-H', 'fd://'], listeners: ['0.0.0.0:2375'] })))).toBe(true);
  });

  it('refuses bad TLS material in one line, before any change', () => {
    const refused = (o: Partial<TlsFilesState>, certs = CERTS) => () => plan(TLS_ARGS, tcpHost({ tlsFiles: { ...goodFiles, ...o }, certs }));
    expect(refused({ files: { ca: goodFiles.files.ca } })).toThrow('refused, nothing changed: /etc/docker/tls/server-cert.pem, /etc/docker/tls/server-key.pem do not exist (fleet does not make certificates)');
    expect(refused({ openssl: false })).toThrow('refused, nothing changed: openssl is not installed on the host');
    expect(refused({ verified: false, verifyOutput: 'CN = docker.example\nerror 20 at 0 depth lookup: unable to get local issuer certificate\nerror /etc/docker/tls/server-cert.pem: verification failed' })).toThrow(
      'refused, nothing changed: /etc/docker/tls/server-cert.pem does not verify against /etc/docker/tls/ca.pem (openssl verify: error 20 at 0 depth lookup: unable to get local issuer certificate)');
    expect(refused({ keyMatches: false })).toThrow('/etc/docker/tls/server-key.pem is not the key of /etc/docker/tls/server-cert.pem');
    expect(refused({}, [CERTS[0]!, { ...CERTS[1]!, san: undefined }])).toThrow('/etc/docker/tls/server-cert.pem has no subjectAltName');
    expect(refused({}, [CERTS[0]!, { ...CERTS[1]!, eku: ['TLS Web Client Authentication'] }])).toThrow('has extendedKeyUsage TLS Web Client Authentication without serverAuth');
    expect(refused({}, [CERTS[0]!])).toThrow('/etc/docker/tls/server-cert.pem is not a certificate');
    // a server certificate without any EKU is fine (Go accepts it for serverAuth)
    expect(() => plan(TLS_ARGS, tcpHost({ certs: [CERTS[0]!, { ...CERTS[1]!, eku: undefined }] }))).not.toThrow();
    // converged: nothing to change, nothing refused (findings say the rest)
    expect(isOk(plan(TLS_ARGS, tlsHost({ tlsFiles: { ...goodFiles, keyMatches: false } })))).toBe(true);
  });

  it('client certificates without clientAuth and an open key are warnings on the change', () => {
    const weak = [...CERTS, cert('/root/.docker/cert.pem', 'x509-client-no-eku.txt')];
    const cs = changes(TLS_ARGS, tcpHost({ certs: weak, tlsFiles: { ...goodFiles, files: { ...goodFiles.files, key: { mode: '644', owner: 'root' } } } }));
    expect(cs[0]!.warnings).toEqual([
      '/etc/docker/tls/server-key.pem is readable by group or others (mode 644): chmod 600 it',
      'docker-tls-client-eku: client certificate /root/.docker/cert.pem (CN = client, issued by CN = fleet-lab-ca): no extendedKeyUsage, so Go accepts it for any purpose',
      'clients of tcp://0.0.0.0:2375 lose access: they need a client certificate from the CA and --tlsverify',
    ]);
  });

  it('TLS flags and unix sockets on the command line move into daemon.json; a later drop-in with ExecStart is refused', () => {
    const unit = UNIT.replace('$DOCKER_OPTS', '-H unix:///run/extra.sock --tlsverify --tlscacert /old/ca.pem $DOCKER_OPTS');
    const cs = changes(TLS_ARGS, tcpHost({ unit, defaults: 'DOCKER_OPTS="--tls -H tcp://0.0.0.0:2375 --debug"\n' }));
    expect(JSON.parse(cs[0]!.diff!.after).hosts).toEqual(['unix:///var/run/docker.sock', 'unix:///run/extra.sock', 'tcp://0.0.0.0:2376']);
    expect(cs[1]!.summary).toBe('update /etc/default/docker: remove --tls, -H tcp://0.0.0.0:2375 from DOCKER_OPTS');
    expect(cs[1]!.diff!.after).toBe('DOCKER_OPTS="--debug"\n');
    expect(cs[2]!.summary).toBe(`create ${DROPIN}: ExecStart without -H fd://, -H unix:///run/extra.sock, --tlsverify, --tlscacert /old/ca.pem`);
    // `systemctl edit`'s override.conf sorts before fleet's zz- drop-in, which starts from its ExecStart
    const override = (name: string) => `${UNIT}\n# /etc/systemd/system/docker.service.d/${name}\n[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd:// --debug\n`;
    expect(changes(TLS_ARGS, tcpHost({ unit: override('override.conf') }))[2]!.diff!.after).toContain('ExecStart=\nExecStart=/usr/bin/dockerd --debug\n');
    expect(() => plan(TLS_ARGS, tcpHost({ unit: override('zzz-site.conf') }))).toThrow("dockerd's ExecStart comes from /etc/systemd/system/docker.service.d/zzz-site.conf, which overrides fleet's drop-in: remove -H fd:// from it by hand");
  });

  it('systemd but no unit text: where -H comes from is unknown, refused', () => {
    const now = tcpHost();
    expect(() => plan(TLS_ARGS, { ...now, socket: { ...now.socket, unit: undefined } })).toThrow('refused, nothing changed: systemctl cat docker.service showed nothing');
  });

  it('without systemd: DOCKER_OPTS only, service docker restart', () => {
    const now = tcpHost({ unit: '' });
    const cs = changes(TLS_ARGS, { ...now, socket: { ...now.socket, unit: undefined }, svc: { manager: 'sysv', exists: true, active: true } });
    expect(cs.map((c) => c.summary.split(':')[0])).toEqual(['update /etc/docker/daemon.json', 'update /etc/default/docker', "restart docker (once, after the play's tasks)"]);
    expect(cs[2]!.restarts).toMatchObject([{ service: 'docker', how: 'restart' }]);
  });
});

describe('docker_socket_tls tcp: off', () => {
  it('from plain TCP in DOCKER_OPTS: DOCKER_OPTS without it, -H fd:// stays, a restart', () => {
    const cs = changes({ tcp: 'off' }, tcpHost());
    expect(cs.map((c) => c.summary)).toEqual(['update /etc/default/docker: remove -H tcp://0.0.0.0:2375 from DOCKER_OPTS', "restart docker (once, after the play's tasks): listening sockets and TLS settings are not reloadable"]);
    expect(cs[0]!.warnings).toEqual(['clients of tcp://0.0.0.0:2375 lose access']);
    expect(isOk(plan({ tcp: 'off' }, tcpHost({ defaults: 'DOCKER_OPTS=""\n', args: ['-H', 'fd://'], listeners: [] })))).toBe(true);
  });
  it('after tls: the TCP host leaves daemon.json, the unix socket and TLS keys stay; then nothing', () => {
    const cs = changes({ tcp: 'off' }, tlsHost());
    expect(cs.map((c) => c.summary)).toEqual(['update /etc/docker/daemon.json: set hosts', "restart docker (once, after the play's tasks): listening sockets and TLS settings are not reloadable"]);
    const after = JSON.parse(cs[0]!.diff!.after);
    expect(after).toEqual({ ...JSON_TLS, hosts: ['unix:///var/run/docker.sock'] });
    expect(plan({ tcp: 'off' }, tlsHost({ json: cs[0]!.diff!.after, listeners: [] }))).toMatchObject({ ok: 'dockerd has no TCP listener (unix socket only)' });
  });
  it('a TCP host in the unit itself: a drop-in that keeps -H fd://', () => {
    const unit = UNIT.replace('-H fd://', '-H fd:// -H tcp://127.0.0.1:2375');
    const cs = changes({ tcp: 'off' }, tcpHost({ unit, defaults: '' }));
    expect(cs[0]!.diff!.after).toContain('ExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS\n');
  });
});

describe('docker_socket_tls arguments and helpers', () => {
  const bad = (a: object) => () => parseArgs(dockerSocketTlsTask.args, a);
  it('tls needs the three files as absolute paths and tcp://ADDRESS:PORT listeners; the files only with tls', () => {
    expect(bad({ tcp: 'tls', cacert: '/a', cert: '/b' })).toThrow(/key.*is required with tcp: tls/);
    expect(bad({ ...TLS_ARGS, cert: 'server.pem' })).toThrow(/must be an absolute path/);
    expect(bad({ ...TLS_ARGS, listen: ['0.0.0.0:2376'] })).toThrow(/must be tcp:\/\/ADDRESS:PORT/);
    expect(bad({ ...TLS_ARGS, listen: 'tcp://0.0.0.0:99999' })).toThrow(/must be tcp:\/\/ADDRESS:PORT/);
    expect(bad({ tcp: 'off', cacert: '/a' })).toThrow(/is used only with tcp: tls/);
    expect(parseArgs(dockerSocketTlsTask.args, {})).toMatchObject({ tcp: 'report', listen: ['tcp://0.0.0.0:2376'], restart_docker: true });
    expect(parseArgs(dockerSocketTlsTask.args, { ...TLS_ARGS, listen: 'tcp://[::1]:2376' }).listen).toEqual(['tcp://[::1]:2376']);
  });
  it('the flag parser reads and removes -H/--host/-Hv and TLS flags in every spelling', () => {
    const args = ['-H', 'fd://', '--host=tcp://a:1', '-Htcp://b:2', '--tlsverify', '--tls=false', '--tlskey', '/k', '--debug', '-H'];
    expect(dockerdFlags(args).map((f) => `${f.name}=${f.value ?? ''}/${f.count}`)).toEqual(['-H=fd:///2', '--host=tcp://a:1/1', '-H=tcp://b:2/1', '--tlsverify=/1', '--tls=false/1', '--tlskey=/k/2', '-H=/1']);
    expect(withoutFlags(args, (f) => f.name !== '--tlsverify')).toEqual({ kept: ['--tlsverify', '--debug'], dropped: ['-H fd://', '--host=tcp://a:1', '-Htcp://b:2', '--tls=false', '--tlskey /k', '-H'] });
    expect(execStart(`${UNIT}\n# ${DROPIN}\n${DROPIN_AFTER}`)).toEqual({ line: EXEC_AFTER, source: DROPIN });
  });
  it('parses the TLS files probe', () => {
    const v = Buffer.from('x: OK').toString('base64');
    expect(parseTlsFiles(`file=ca 644 root\nfile=key 600 root\nopenssl=1\nverified=1\nverify=${v}\nkeymatch=1\n`)).toEqual({ openssl: true, files: { ca: { mode: '644', owner: 'root' }, key: { mode: '600', owner: 'root' } }, verified: true, verifyOutput: 'x: OK', keyMatches: true });
    expect(parseTlsFiles('')).toEqual({ openssl: false, files: {}, verified: false, verifyOutput: '', keyMatches: false });
  });
});
