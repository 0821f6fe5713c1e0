// What a DOCKER-USER change cuts off: the published ports that answer fewer outside sources after
// it than before, and who they still answer. "Before" is fleet's own rules read back from the
// chain (no fleet drop for that interface = open to everyone); rules of others are not modelled.
// Pure.
import { isIP } from 'node:net';
import type { PublishedPorts } from '../../facts/docker_ports.js';
import type { Impact } from '../../types.js';
import { MARK, type Policy } from './docker-user-rules.js';
import { cidrContains, parseCidr, parsePort } from './docker-user-net.js';

type Family = 4 | 6;

/** Who reaches a port through one family's chain: everyone, or only these sources. */
type Reach = 'all' | string[];

/** What fleet's rules in a chain let through: nothing is dropped when `drops` is false. */
export interface ChainPolicy {
  drops: boolean;
  iface?: string;
  sources: string[];
  /** 'tcp/443' */
  ports: string[];
}

/** fleet's policy as its rules in an `iptables -S` listing say it. */
export function policyInChain(listing: readonly string[]): ChainPolicy {
  const out: ChainPolicy = { drops: false, sources: [], ports: [] };
  for (const line of listing.filter((l) => l.startsWith('-A ') && l.includes(`${MARK}:`))) {
    const w = line.split(/\s+/);
    const arg = (k: string) => (w.includes(k) ? w[w.indexOf(k) + 1] : undefined);
    const target = arg('-j');
    if (target === 'DROP') {
      out.drops = true;
      out.iface = arg('-i');
    } else if (target === 'RETURN' && arg('-s')) out.sources.push(arg('-s')!);
    else if (target === 'RETURN' && arg('--ctorigdstport')) out.ports.push(`${arg('-p') ?? 'tcp'}/${arg('--ctorigdstport')}`);
  }
  return out;
}

/** The policy fleet is about to write into one family's chain. */
export function policyFor(p: Policy, family: Family): ChainPolicy {
  return { drops: true, iface: p.external_interface, sources: p.allowed_sources.map(parseCidr).filter((c) => c.family === family).map((c) => c.text), ports: p.allowed_ports.map(parsePort).map((x) => `${x.proto}/${x.port}`) };
}

const reach = (c: ChainPolicy | undefined, iface: string, proto: string, port: number): Reach => (!c || !c.drops || c.iface !== iface || c.ports.includes(`${proto}/${port}`) ? 'all' : c.sources);
// a source is kept when an allowed source after the change covers it (a /24 covers its /25)
const loses = (before: Reach, after: Reach) => after !== 'all' && (before === 'all' || before.some((s) => !after.some((x) => cidrContains(x, s))));
const ANY: Record<Family, string> = { 4: '0.0.0.0/0', 6: '::/0' };

/** The families through whose DOCKER-USER an outside client reaches a binding (none for
 *  loopback; an IPv6 binding goes through FORWARD only when the container has IPv6 itself,
 *  else docker-proxy answers it on the host). */
function familiesOf(hostIp: string, containerIpv6: boolean): Family[] {
  const f = isIP(hostIp);
  if (f === 4) return hostIp.startsWith('127.') ? [] : [4];
  if (f === 6) return hostIp === '::1' || !containerIpv6 ? [] : [6];
  return [];
}

/**
 * @param iface   the external interface the rules drop on
 * @param before  fleet's policy in each family's chain now (a family fleet does not filter: omit)
 * @param after   the policy after the change, for the families fleet filters
 */
export function firewallImpact(iface: string, published: PublishedPorts, before: Partial<Record<Family, ChainPolicy>>, after: Partial<Record<Family, ChainPolicy>>): Impact[] {
  const still = (r: Reach, f: Family) => (r === 'all' ? [ANY[f]] : r);
  if (!published.known) {
    const from = ([4, 6] as const).filter((f) => after[f]).flatMap((f) => still(reach(after[f], iface, '', 0), f));
    return [{ kind: 'firewall', summary: `published ports unknown (docker ps did not answer): any port published on ${iface} stops answering from outside${from.length ? ` except from ${from.join(', ')}` : ''}` }];
  }
  // per container port (both families' bindings together): does it lose anyone, who is left
  const all = new Map<string, { container: string; hostPort: number; proto: string; stillFrom: Set<string>; lost: boolean }>();
  for (const p of published.ports) {
    for (const f of familiesOf(p.hostIp, p.containerIpv6)) {
      const was = reach(before[f], iface, p.proto, p.hostPort);
      // a family fleet does not filter keeps whatever it had
      const now = after[f] ? reach(after[f], iface, p.proto, p.hostPort) : was;
      const key = `${p.container}|${p.hostPort}|${p.proto}`;
      const entry = all.get(key) ?? { container: p.container, hostPort: p.hostPort, proto: p.proto, stillFrom: new Set<string>(), lost: false };
      for (const s of still(now, f)) entry.stillFrom.add(s);
      entry.lost ||= loses(was, now);
      all.set(key, entry);
    }
  }
  // one line per set of sources the ports still answer
  const groups = new Map<string, Impact>();
  const byName = (a: { container: string; hostPort: number }, b: { container: string; hostPort: number }) => (a.container < b.container ? -1 : a.container > b.container ? 1 : a.hostPort - b.hostPort);
  for (const e of [...all.values()].filter((x) => x.lost).sort(byName)) {
    const stillFrom = [...e.stillFrom];
    const k = stillFrom.join(',');
    const g = groups.get(k) ?? { kind: 'firewall' as const, summary: '', ports: [] };
    g.ports!.push({ container: e.container, hostPort: e.hostPort, proto: e.proto, stillFrom });
    groups.set(k, g);
  }
  for (const g of groups.values()) {
    const ports = g.ports!;
    const list = ports.map((p) => `${p.container} ${p.hostPort}/${p.proto}`).join(', ');
    const n = `${ports.length} published port${ports.length === 1 ? '' : 's'}`;
    const from = ports[0]!.stillFrom;
    g.summary = from.length
      ? `${n} stop${ports.length === 1 ? 's' : ''} answering from outside on ${iface} except from ${from.join(', ')}: ${list}`
      : `${n} stop${ports.length === 1 ? 's' : ''} answering from every outside source on ${iface}: ${list} (allow who needs ${ports.length === 1 ? 'it' : 'them'} with allowed_sources or allowed_ports)`;
  }
  return [...groups.values()];
}
