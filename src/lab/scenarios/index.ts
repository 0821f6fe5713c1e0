// The starting states the remediation tests need, one file each. Each is real where it can be and
// an honest stand-in where it cannot; `limits` says what a stand-in does not reproduce.
import { containerdRepo } from './containerd-repo.js';
import { dnsUpstream } from './dns-upstream.js';
import { lxcApparmorHost } from './lxc-apparmor-host.js';
import { lxcGuest } from './lxc-guest.js';
import { noDnsCache } from './no-dns-cache.js';
import { proxmoxHost } from './proxmox-host.js';
import { proxmoxNode } from './proxmox-node.js';
import { publishedPort } from './published-port.js';
import { ip6DockerUser } from './ip6-docker-user.js';
import type { Scenario } from './types.js';
import { vfsDriver } from './vfs-driver.js';
import { dockerTcp } from './docker-tcp.js';
import { dockerTlsWeakClient } from './docker-tls-weak-client.js';
import { dockerTlsCerts } from './docker-tls-certs.js';
import { oomKilled, rootLatest, socketMount } from './problem-containers.js';
import { ufwActive } from './ufw-active.js';
import { systemdResolved } from './systemd-resolved.js';
import { dnsCacheCompliant } from './dns-cache-compliant.js';
import { dnsmasqServingOthers } from './dnsmasq-serving-others.js';

export const SCENARIOS: Scenario[] = [vfsDriver, containerdRepo, lxcGuest, lxcApparmorHost, proxmoxHost, proxmoxNode, publishedPort, ip6DockerUser, dnsUpstream, noDnsCache, dockerTcp, dockerTlsWeakClient, dockerTlsCerts, socketMount, rootLatest, oomKilled, ufwActive, systemdResolved, dnsCacheCompliant, dnsmasqServingOthers];

export type ScenarioName = 'vfs-driver' | 'containerd-repo' | 'lxc-guest' | 'lxc-apparmor-host' | 'proxmox-host' | 'proxmox-node' | 'published-port' | 'ip6-docker-user' | 'dns-upstream' | 'no-dns-cache' | 'docker-tcp' | 'docker-tls-weak-client' | 'docker-tls-certs' | 'socket-mount' | 'root-latest' | 'oom-killed' | 'ufw-active' | 'systemd-resolved' | 'dns-cache-compliant' | 'dnsmasq-serving-others';

export function scenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown lab scenario '${name}'; known: ${SCENARIOS.map((x) => x.name).join(', ')}`);
  return s;
}
