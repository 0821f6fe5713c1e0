// Where dockerd's sockets and TLS settings come from: daemon.json, the running command line, the
// systemd unit with DOCKER_OPTS; and the TCP endpoints they and ss give.
import { describe, expect, it } from 'vitest';
import { dockerdConfig, tcpEndpoints, unitArgs } from '../../../src/tasks/lib/dockerd-config.js';

const DEBIAN_UNIT = `# /lib/systemd/system/docker.service
[Service]
EnvironmentFile=-/etc/default/docker
ExecStart=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS
`;

describe('dockerd configuration', () => {
  it('the unit: last ExecStart wins, DOCKER_OPTS expanded', () => {
    expect(unitArgs(DEBIAN_UNIT, 'DOCKER_OPTS="-H tcp://0.0.0.0:2375 --tlsverify"\n')).toEqual(['-H', 'fd://', '-H', 'tcp://0.0.0.0:2375', '--tlsverify']);
    expect(unitArgs(`${DEBIAN_UNIT}# drop-in\n[Service]\nExecStart=\nExecStart=/usr/bin/dockerd --host=tcp://127.0.0.1:2375\n`, undefined)).toEqual(['--host=tcp://127.0.0.1:2375']);
    expect(unitArgs(undefined, undefined)).toEqual([]);
  });
  it('hosts from every source, TLS from flags or daemon.json, dockerd defaults for the files', () => {
    const c = dockerdConfig({ daemonJson: '{"hosts": ["unix:///var/run/docker.sock"], "tlsverify": true, "tlscacert": "/etc/docker/tls/ca.pem"}', args: ['-H', 'fd://', '-Htcp://0.0.0.0:2376', '--tlscert=/etc/docker/tls/server.pem'], unit: DEBIAN_UNIT, defaults: '' });
    expect(c.hosts).toEqual([
      { value: 'unix:///var/run/docker.sock', from: '/etc/docker/daemon.json' },
      { value: 'fd://', from: 'dockerd command line' },
      { value: 'tcp://0.0.0.0:2376', from: 'dockerd command line' },
    ]);
    expect(c).toMatchObject({ tls: true, tlsverify: true, cacert: '/etc/docker/tls/ca.pem', cert: '/etc/docker/tls/server.pem', tlsFrom: ['"tlsverify": true (/etc/docker/daemon.json)'] });
    expect(dockerdConfig({ args: ['--tls'] })).toMatchObject({ tls: true, tlsverify: false, cacert: '/root/.docker/ca.pem', cert: '/root/.docker/cert.pem' });
    expect(dockerdConfig({ args: ['--tlsverify=false'] })).toMatchObject({ tls: false, tlsverify: false });
  });
  it('a listener only the unit has (waiting for the next restart) counts; a stopped dockerd is read from its unit', () => {
    expect(dockerdConfig({ args: ['-H', 'fd://'], unit: DEBIAN_UNIT, defaults: 'DOCKER_OPTS="-H tcp://0.0.0.0:2375"' }).hosts.map((h) => `${h.value} ${h.from}`)).toEqual(['fd:// dockerd command line', 'tcp://0.0.0.0:2375 docker.service']);
    expect(dockerdConfig({ args: [], unit: DEBIAN_UNIT, defaults: 'DOCKER_OPTS="--tlsverify -H tcp://:2376"' })).toMatchObject({ tlsverify: true, hosts: [{ value: 'fd://' }, { value: 'tcp://:2376' }] });
  });
  it('TCP endpoints: configured and seen by ss are one endpoint; loopback told apart', () => {
    const c = dockerdConfig({ args: ['-H', 'tcp://0.0.0.0:2375', '-H', 'tcp://127.0.0.1:2377'] });
    expect(tcpEndpoints(c, ['*:2375', '10.0.0.5:2380'])).toEqual([
      { address: '0.0.0.0:2375', loopback: false, from: ['dockerd command line', 'ss -ltnp'] },
      { address: '127.0.0.1:2377', loopback: true, from: ['dockerd command line'] },
      { address: '10.0.0.5:2380', loopback: false, from: ['ss -ltnp'] },
    ]);
    expect(tcpEndpoints(dockerdConfig({ args: ['-H', 'fd://', '-H', 'unix:///run/docker.sock'] }), [])).toEqual([]);
  });
});
