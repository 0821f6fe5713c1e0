// DOCKER-USER rules from a declarative policy. Each rule carries a comment `fleet-docker-user:N:H`
// (position and a hash of the rule), so presence and order are read back from `iptables -S`
// without guessing how iptables normalizes a rule. One compiler feeds the plan and the boot script.
import { createHash } from 'node:crypto';
import { quote } from '../../shell/sh.js';
import type { IpBinary } from '../../facts/iptables.js';

export const MARK = 'fleet-docker-user';

export interface Policy {
  external_interface: string;
  allowed_sources: string[];
  allowed_ports: string[];
}

const isV6 = (cidr: string) => cidr.includes(':');

function parsePort(p: string): { proto: string; port: string } {
  const m = /^(?:(tcp|udp)\/)?(\d{1,5})$/.exec(p.trim());
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new Error(`allowed_ports: '${p}' is not a port (use 443 or tcp/443, udp/53)`);
  return { proto: m[1] ?? 'tcp', port: m[2]! };
}

/** The rules in order, as iptables argument lists (without -I/-A CHAIN). */
export function compileRules(policy: Policy, bin: IpBinary): string[][] {
  const ext = policy.external_interface;
  const rules: string[][] = [['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT']];
  for (const src of policy.allowed_sources.filter((s) => isV6(s) === (bin === 'ip6tables'))) rules.push(['-i', ext, '-s', src, '-j', 'RETURN']);
  // after DNAT --dport sees the container port: match the host port the client asked for
  for (const p of policy.allowed_ports.map(parsePort)) rules.push(['-i', ext, '-p', p.proto, '-m', 'conntrack', '--ctorigdstport', p.port, '-j', 'RETURN']);
  rules.push(['-i', ext, '-j', 'DROP']);
  return rules.map((r, i) => {
    const hash = createHash('sha256').update(r.join(' ')).digest('hex').slice(0, 8);
    const j = r.indexOf('-j');
    return [...r.slice(0, j), '-m', 'comment', '--comment', `${MARK}:${i + 1}:${hash}`, ...r.slice(j)];
  });
}

/** The fleet comments found in `iptables -S DOCKER-USER`, in chain order, with their positions. */
export function fleetComments(listing: readonly string[]): { comment: string; position: number }[] {
  const rules = listing.filter((l) => l.startsWith('-A '));
  return rules.flatMap((l, i) => {
    const m = new RegExp(`${MARK}:\\d+:[0-9a-f]+`).exec(l);
    return m ? [{ comment: m[0], position: i + 1 }] : [];
  });
}

export const commentOf = (rule: string[]) => rule[rule.indexOf('--comment') + 1]!;

/** True when the chain starts with exactly our rules, in order. */
export function inPlace(listing: readonly string[], rules: string[][]): boolean {
  const found = fleetComments(listing);
  return found.length === rules.length && rules.every((r, i) => found[i]?.comment === commentOf(r) && found[i]?.position === i + 1);
}

/** Shell that removes every fleet rule and inserts `rules` at the top, for each binary: idempotent,
 *  used both by the apply step and by the boot-time unit. */
export function applyScript(byBin: [IpBinary, string[][]][]): string {
  const lines = ['#!/bin/sh', `# written by fleet (docker_user): re-applies the DOCKER-USER rules after docker starts`, 'set -eu'];
  for (const [bin, rules] of byBin) {
    lines.push(`${bin} -w -S DOCKER-USER | grep -- '${MARK}:' | sed 's/^-A /-D /' | while read -r rule; do eval "${bin} -w $rule"; done`);
    rules.forEach((r, i) => lines.push(`${bin} -w -I DOCKER-USER ${i + 1} ${r.map(quote).join(' ')}`));
  }
  return `${lines.join('\n')}\n`;
}

export function removeScript(bins: IpBinary[]): string {
  return bins.map((bin) => `${bin} -w -S DOCKER-USER 2>/dev/null | grep -- '${MARK}:' | sed 's/^-A /-D /' | while read -r rule; do eval "${bin} -w $rule"; done`).join('\n');
}
