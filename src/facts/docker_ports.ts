// The host ports running containers publish (`docker inspect`'s NetworkSettings.Ports), so a
// firewall change can say which services it cuts off. Only running containers: a stopped one
// answers nobody either way.
import { isIP } from 'node:net';
import { raw } from '../shell/sh.js';
import type { Fact } from '../types.js';

export interface PublishedPort {
  container: string;
  /** the address docker binds: '0.0.0.0' and '::' are every address of that family */
  hostIp: string;
  hostPort: number;
  proto: string;
  /** the container has a global IPv6 address: an IPv6 binding is DNAT'd through ip6tables'
   *  FORWARD; without one, docker-proxy answers it on the host (INPUT, not DOCKER-USER) */
  containerIpv6: boolean;
}

export interface PublishedPorts {
  /** docker answered */
  known: boolean;
  ports: PublishedPort[];
}

export function dockerPortsFact(): Fact<PublishedPorts> {
  return {
    key: 'docker:published-ports',
    probe: raw(`command -v docker >/dev/null || exit 0
ids=$(timeout 20 docker ps -q 2>/dev/null) || exit 0
echo known=1
[ -n "$ids" ] || exit 0
timeout 30 docker inspect --format '{{json .Name}}|{{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}} {{end}}|{{json .NetworkSettings.Ports}}' $ids 2>/dev/null | sed 's/^/p=/'
true`),
    parse: parseDockerPorts,
  };
}

export function parseDockerPorts(out: string): PublishedPorts {
  const lines = out.split('\n');
  const ports: PublishedPort[] = [];
  for (const l of lines.filter((x) => x.startsWith('p='))) {
    const [nameJson = '', v6 = '', ...rest] = l.slice(2).split('|');
    try {
      const container = String(JSON.parse(nameJson)).replace(/^\//, '');
      const map = (JSON.parse(rest.join('|') || 'null') as Record<string, { HostIp?: string; HostPort?: string }[] | null> | null) ?? {};
      for (const [spec, bindings] of Object.entries(map)) {
        const proto = spec.split('/')[1] ?? 'tcp';
        for (const b of bindings ?? []) {
          const hostPort = Number(b.HostPort);
          if (Number.isInteger(hostPort) && hostPort > 0) ports.push({ container, hostIp: b.HostIp || '0.0.0.0', hostPort, proto, containerIpv6: v6.split(' ').some((a) => isIP(a) === 6) });
        }
      }
    } catch {
      // a line that is not ours
    }
  }
  // docker lists containers in no stable order; plans and their fingerprints must not change with it
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  ports.sort((a, b) => cmp(a.container, b.container) || a.hostPort - b.hostPort || cmp(a.proto, b.proto) || cmp(a.hostIp, b.hostIp));
  return { known: lines.includes('known=1'), ports };
}
