// The host's network interfaces and their addresses (`ip -o`), e.g. docker0's address for the DNS
// cache and a check that a firewall's interface exists. No `ip` binary: no interfaces known.
import { raw } from '../shell/sh.js';
import type { Fact } from '../types.js';

export interface Interface {
  name: string;
  /** IPv4 addresses without prefix, in `ip` order */
  ipv4: string[];
  ipv6: string[];
}

export interface Interfaces {
  /** false when `ip` is missing: nothing can be said about interfaces */
  known: boolean;
  list: Interface[];
}

/** Probe output: `ip -o link show`, a `--` line, then `ip -o addr show`. */
export function interfacesFact(): Fact<Interfaces> {
  return {
    key: 'net:interfaces',
    probe: raw(`command -v ip >/dev/null 2>&1 || { echo missing; exit 0; }
ip -o link show
echo --
ip -o addr show`),
    parse: parseInterfaces,
  };
}

export function parseInterfaces(out: string): Interfaces {
  if (out.startsWith('missing') || !out.includes('--')) return { known: false, list: [] };
  const [links = '', addrs = ''] = out.split(/^--$/m);
  const byName = new Map<string, Interface>();
  for (const m of links.matchAll(/^\d+:\s+([^:@\s]+)(?:@\S+)?:/gm)) byName.set(m[1]!, { name: m[1]!, ipv4: [], ipv6: [] });
  for (const m of addrs.matchAll(/^\d+:\s+(\S+)\s+(inet6?)\s+([0-9a-fA-F.:]+)\//gm)) {
    const name = m[1]!.split('@')[0]!;
    const i = byName.get(name) ?? { name, ipv4: [], ipv6: [] };
    byName.set(name, i);
    (m[2] === 'inet' ? i.ipv4 : i.ipv6).push(m[3]!);
  }
  return { known: true, list: [...byName.values()] };
}

export const findInterface = (ifs: Interfaces, name: string) => ifs.list.find((i) => i.name === name);
