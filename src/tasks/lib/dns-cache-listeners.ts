// Who dnsmasq serves now, and who it would stop serving once fleet's file narrows it; an existing
// cache fleet can adopt as it is. Pure, from the :53 sockets, dnsmasq's config and the interfaces.
import type { DnsListener, DnsmasqLine } from '../../facts/dns.js';
import type { Interfaces } from '../../facts/network.js';
import { isLocal } from './dns-cache-text.js';

export const isWildcard = (a: string) => a === '0.0.0.0' || a === '::';

/** 10.0.0.5:53 (eth0), [::]:53 (all interfaces) */
export function label(address: string, net: Interfaces): string {
  const at = address.includes(':') ? `[${address}]:53` : `${address}:53`;
  if (isWildcard(address)) return `${at} (all interfaces)`;
  const i = net.list.find((x) => x.ipv4.includes(address) || x.ipv6.includes(address));
  return i ? `${at} (${i.name})` : at;
}

/** The addresses the dnsmasq service listens on, each once (udp and tcp share them): its own
 *  process when its pid is known, else every dnsmasq. */
export const addressesOf = (ls: DnsListener[], pid?: number) => [...new Set(ls.filter((l) => l.program === 'dnsmasq' && (pid === undefined || l.pid === pid)).map((l) => l.address))];

const values = (lines: DnsmasqLine[], opt: string) => lines.flatMap((l) => (l.line.startsWith(`${opt}=`) ? l.line.slice(opt.length + 1).split(',').map((s) => s.trim()).filter(Boolean) : []));

/** Addresses the rest of dnsmasq's config pins with listen-address= or interface=: they stay
 *  bound whatever fleet's file adds (dnsmasq adds up those options). */
export function pinnedBy(lines: DnsmasqLine[], net: Interfaces): string[] {
  const ifs = values(lines, 'interface');
  return [...values(lines, 'listen-address'), ...net.list.filter((i) => ifs.includes(i.name)).flatMap((i) => [...i.ipv4, ...i.ipv6])];
}

/** dnsmasq's current addresses that serve other machines (not loopback, not the cache's own) and
 *  that a config listening on `ours` would drop: a config with no listen option listens
 *  everywhere now and only on `ours` once fleet's listen-address is added. */
export function dropped(current: string[], ours: string[], others: DnsmasqLine[], net: Interfaces): string[] {
  const keep = new Set([...ours, ...pinnedBy(others, net)]);
  return current.filter((a) => !isLocal(a) && !keep.has(a));
}

/** `server=IP[#port]` upstreams in these lines (not the per-domain `server=/d/ip` ones). */
export const serversIn = (lines: DnsmasqLine[]) => lines.flatMap((l) => (/^server=[0-9a-fA-F.:]+(#\d+)?$/.test(l.line) ? [l.line.slice(7)] : [])).filter((s) => !isLocal(s.split('#')[0]!));

export interface Adopted {
  files: string[];
  upstreams: string[];
}

/** A cache already in place, from config fleet did not write: dnsmasq answers on 127.0.0.1 and on
 *  docker0's address (or on all of them), forwards to `server=` upstreams and ignores resolv.conf. */
export function existingCache(others: DnsmasqLine[], current: string[], docker0: string | undefined): Adopted | undefined {
  const upstreams = serversIn(others);
  if (!upstreams.length || !others.some((l) => l.line === 'no-resolv')) return undefined;
  const serves = (a: string) => current.includes(a) || current.includes('0.0.0.0');
  if (!serves('127.0.0.1') || (docker0 && !serves(docker0))) return undefined;
  return { files: [...new Set(others.filter((l) => l.line.startsWith('server=') || l.line === 'no-resolv').map((l) => l.path))], upstreams };
}
