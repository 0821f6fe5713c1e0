// One rule's presence, checked the way iptables itself checks it (-C), with the chain's listing
// (-S, for diffs) and the backend (nf_tables or legacy) read in the same probe.
import { raw, sh } from '../shell/sh.js';
import type { Fact } from '../types.js';

export type IpBinary = 'iptables' | 'ip6tables';

export interface RuleState {
  /** the binary exists on the host */
  available: boolean;
  chainExists: boolean;
  present: boolean;
  /** `iptables -V` says nf_tables (iptables-nft); false for legacy */
  nftBackend: boolean;
  /** -C failed for another reason than "not there" (bad rule, missing module or table) */
  error?: string;
  /** `iptables -S CHAIN`: the policy or -N line, then one -A line per rule */
  listing: string[];
}

/** Probe output, `key:value` lines then the listing:
 *    `missing`                      no such binary (nothing else follows)
 *    `version:iptables v1.8.9 (nf_tables)`
 *    `chain:yes|no`                 -S CHAIN succeeded
 *    `check:N`                      exit code of -C: 0 present, 1 absent, 2+ error
 *    `message:TEXT`                 first line -C printed
 *    `---listing---` then the -S lines */
export function ruleFact(bin: IpBinary, table: string, chain: string, args: string[]): Fact<RuleState> {
  const ipt = raw(bin);
  return {
    key: `iptables:${bin}:${table}:${chain}:${JSON.stringify(args)}`,
    probe: sh`command -v ${ipt} >/dev/null 2>&1 || { echo missing; exit 0; }
echo "version:$(${ipt} -V 2>/dev/null | head -n1)"
if listing=$(${ipt} -w -t ${table} -S ${chain} 2>/dev/null); then echo chain:yes; else echo chain:no; fi
msg=$(${ipt} -w -t ${table} -C ${chain} ${args} 2>&1); echo "check:$?"
echo "message:$(printf '%s\\n' "$msg" | head -n1)"
echo ---listing---
if [ -n "$listing" ]; then printf '%s\\n' "$listing"; fi`,
    parse: parseRuleProbe,
  };
}

export function parseRuleProbe(out: string): RuleState {
  if (out.startsWith('missing')) return { available: false, chainExists: false, present: false, nftBackend: false, listing: [] };
  const cut = out.indexOf('---listing---\n');
  const head = cut < 0 ? out : out.slice(0, cut);
  const rec = new Map(head.split('\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
  const listing = cut < 0 ? [] : out.slice(cut + 14).split('\n').filter((l) => l.trim() !== '');
  const chainExists = rec.get('chain') === 'yes';
  const rc = Number(rec.get('check') ?? 1);
  const msg = rec.get('message') ?? '';
  // exit 1 is "no such rule" — also what both backends say when the chain is missing
  const absent = rc === 1 && (!chainExists || msg === '' || /does a matching rule exist/i.test(msg));
  const state: RuleState = { available: true, chainExists, present: rc === 0, nftBackend: /nf_tables/.test(rec.get('version') ?? ''), listing };
  if (rc !== 0 && !absent) state.error = msg || `exit ${rc}`;
  return state;
}
