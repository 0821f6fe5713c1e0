// What answers DNS on this host: the socket on 127.0.0.1:53 and its program, systemd-resolved's
// real upstreams, and (for verification) whether a name resolves through the host's resolver.
import { raw, sh } from '../shell/sh.js';
import type { Fact } from '../types.js';

export interface DnsState {
  /** something is bound to 127.0.0.1:53 (udp), or to 0.0.0.0:53 which covers it */
  listening: boolean;
  /** the program bound there, when `ss -p` says (e.g. 'dnsmasq') */
  listener?: string;
  /** the servers systemd-resolved forwards to (/run/systemd/resolve/resolv.conf); [] without it */
  resolvedUpstreams: string[];
}

/** Probe output: `listen=PROCESS-COLUMN` when 127.0.0.1:53 is bound, `resolved=IP` per upstream. */
export function dnsStateFact(): Fact<DnsState> {
  return {
    key: 'dns:state',
    probe: raw(`ss -H -lnup 2>/dev/null | awk '$4 == "127.0.0.1:53" || $4 == "0.0.0.0:53" || $4 == "*:53" { print "listen=" $NF; exit }'
[ -f /run/systemd/resolve/resolv.conf ] && awk '$1 == "nameserver" { print "resolved=" $2 }' /run/systemd/resolve/resolv.conf
true`),
    parse: parseDnsState,
  };
}

export function parseDnsState(out: string): DnsState {
  const lines = out.split('\n');
  const listen = lines.find((l) => l.startsWith('listen='));
  const state: DnsState = { listening: listen !== undefined, resolvedUpstreams: lines.filter((l) => l.startsWith('resolved=')).map((l) => l.slice(9).trim()) };
  const prog = listen && /users:\(\("([^"]+)"/.exec(listen)?.[1];
  if (prog) state.listener = prog;
  return state;
}

export interface Lookup {
  name: string;
  ok: boolean;
  /** addresses `getent hosts` printed */
  addresses: string[];
}

/** `getent hosts NAME` through the host's resolver (nsswitch), bounded to 10 s; no name, no probe. */
export function lookupFact(name: string | undefined): Fact<Lookup | undefined> {
  if (!name) return { key: 'dns:getent:', probe: raw('true'), parse: () => undefined };
  return {
    key: `dns:getent:${name}`,
    probe: sh`timeout 10 getent hosts ${name}`,
    parse: (out, code) => ({ name, ok: code === 0, addresses: out.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter(Boolean) }),
  };
}
