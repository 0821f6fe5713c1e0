// DOCKER-USER rules from a declarative policy. One compiler feeds the plan, the apply step and the
// boot script. Each rule carries the comment `fleet-docker-user:N:HASH` (its position and a hash
// of the rule), so presence, content and order are read back from `iptables -S` by comment alone:
// that does not depend on how an iptables version prints a rule. The predicted listing (for the
// diff) is written in the order and form `iptables -S` prints, checked against real output.
import { createHash } from 'node:crypto';
import { join, raw, sh, type Script } from '../../shell/sh.js';
import type { IpBinary } from '../../facts/iptables.js';
import { parseCidr, parsePort } from './docker-user-net.js';

export const MARK = 'fleet-docker-user';
const CHAIN = 'DOCKER-USER';

export interface Policy {
  external_interface: string;
  allowed_sources: string[];
  allowed_ports: string[];
}

/** The rules in order, as iptables arguments (without `-I CHAIN N`), options in the order
 *  `iptables -S` prints them (-s, -i, -p, matches, -j). IPv6 sources go to ip6tables only. */
export function compileRules(policy: Policy, bin: IpBinary): string[][] {
  const ext = policy.external_interface;
  const family = bin === 'ip6tables' ? 6 : 4;
  const rules: string[][] = [['-i', ext, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT']];
  for (const c of policy.allowed_sources.map(parseCidr).filter((c) => c.family === family)) rules.push(['-s', c.text, '-i', ext, '-j', 'RETURN']);
  // after DNAT --dport sees the container port: match the host port the client asked for
  for (const p of policy.allowed_ports.map(parsePort)) rules.push(['-i', ext, '-p', p.proto, '-m', 'conntrack', '--ctorigdstport', String(p.port), '-j', 'RETURN']);
  rules.push(['-i', ext, '-j', 'DROP']);
  return rules.map((r, i) => {
    const hash = createHash('sha256').update(r.join(' ')).digest('hex').slice(0, 8);
    const j = r.indexOf('-j');
    return [...r.slice(0, j), '-m', 'comment', '--comment', `${MARK}:${i + 1}:${hash}`, ...r.slice(j)];
  });
}

export const commentOf = (rule: readonly string[]) => rule[rule.indexOf('--comment') + 1]!;

/** A rule as `iptables -S DOCKER-USER` prints it (comments in double quotes). */
export const listingLine = (rule: readonly string[]) => `-A ${CHAIN} ${rule.map((w, i) => (rule[i - 1] === '--comment' ? `"${w}"` : w)).join(' ')}`;

const MARK_RE = new RegExp(`${MARK}:\\d+:[0-9a-f]+`);

/** fleet's comments in `iptables -S` output, with their rule positions (1-based). */
export function fleetComments(listing: readonly string[]): { comment: string; position: number }[] {
  return listing.filter((l) => l.startsWith('-A ')).flatMap((l, i) => {
    const m = MARK_RE.exec(l);
    return m ? [{ comment: m[0], position: i + 1 }] : [];
  });
}

/** True when the chain starts with exactly these rules, in order, and holds no other fleet rule. */
export function inPlace(listing: readonly string[], rules: readonly string[][]): boolean {
  const found = fleetComments(listing);
  return found.length === rules.length && rules.every((r, i) => found[i]?.comment === commentOf(r) && found[i]?.position === i + 1);
}

/** The listing after the apply step: fleet's old rules gone, the new ones on top. */
export function chainAfter(listing: readonly string[], rules: readonly string[][]): string[] {
  const head = listing.filter((l) => !l.startsWith('-A '));
  const others = listing.filter((l) => l.startsWith('-A ') && !MARK_RE.test(l));
  return [...(head.length ? head : [`-N ${CHAIN}`]), ...rules.map(listingLine), ...others];
}

/** `N=COMMENT ` for every fleet rule in the chain: what the script compares before touching it. */
const marksNow = (bin: IpBinary) => sh`${raw(bin)} -w -S ${CHAIN} | sed 1d | awk ${`match($0, /${MARK}:[0-9]+:[0-9a-f]+/) { printf "%d=%s ", NR, substr($0, RSTART, RLENGTH) }`}`;

/** Delete fleet rules below position `keep`, bottom first so the numbers stay valid. */
const pruneBelow = (bin: IpBinary, keep: number) =>
  sh`for n in $(${raw(bin)} -w -S ${CHAIN} | sed 1d | awk -v keep=${keep} ${`NR > keep && /${MARK}:/ { print NR }`} | sort -rn); do ${raw(bin)} -w -D ${CHAIN} "$n"; done`;

/** Idempotent and without a gap in protection: when the chain does not already start with the
 *  rules, insert them on top first, then delete fleet's older copies and stale rules below.
 *  ip6tables' chain may be one a person made (Docker < 27 makes none) and be gone after a reboot:
 *  then the boot script says so and goes on, rather than failing the unit. */
export function applySteps(byBin: readonly [IpBinary, string[][]][]): Script {
  return join(byBin.map(([bin, rules]) => {
    const want = rules.map((r, i) => `${i + 1}=${commentOf(r)} `).join('');
    const test = sh`[ "$(${marksNow(bin)})" != ${want} ]`;
    const cond = bin === 'ip6tables'
      ? sh`if ! ${raw(bin)} -w -S ${CHAIN} >/dev/null 2>&1; then
  echo ${`${MARK}: ${bin} has no ${CHAIN} chain: IPv6 is not filtered`} >&2
elif ${test}; then`
      : sh`if ${test}; then`;
    return sh`# ${raw(bin)}: ${rules.length} rules
${cond}
${join(rules.map((r, i) => sh`  ${raw(bin)} -w -I ${CHAIN} ${i + 1} ${r}`))}
  ${pruneBelow(bin, rules.length)}
fi`;
  }));
}

/** The boot script: the same steps as apply, so what was reviewed is what runs at boot. */
export function applyScript(byBin: readonly [IpBinary, string[][]][]): string {
  return `#!/bin/sh\n# written by fleet (docker_user): puts the DOCKER-USER rules back after docker starts; safe to re-run\nset -eu\n${applySteps(byBin).text}\n`;
}

/** Remove every fleet rule (a chain that is gone has none). */
export function removeSteps(bins: readonly IpBinary[]): Script {
  return join(bins.map((bin) => sh`if ${raw(bin)} -w -S ${CHAIN} >/dev/null 2>&1; then ${pruneBelow(bin, 0)}; fi`));
}
