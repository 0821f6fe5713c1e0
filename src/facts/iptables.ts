// One rule's presence, checked the way iptables itself checks it (-C), plus the chain and backend.
import { raw, sh } from '../shell/sh.js';
import type { Fact } from '../types.js';

export type IpBinary = 'iptables' | 'ip6tables';

export interface RuleState {
  /** the binary exists on the host */
  available: boolean;
  chainExists: boolean;
  present: boolean;
  /** iptables -V mentions nf_tables */
  nftBackend: boolean;
  /** -C failed for another reason than "not there" (bad rule, missing module) */
  error?: string;
  /** iptables -S CHAIN, for diffs */
  listing: string[];
}

export function ruleFact(bin: IpBinary, table: string, chain: string, args: string[]): Fact<RuleState> {
  return {
    key: `iptables:${bin}:${table}:${chain}:${JSON.stringify(args)}`,
    probe: sh`command -v ${bin} >/dev/null || { echo missing; exit 0; }
${raw(bin)} -V 2>/dev/null | head -n1
if ${raw(bin)} -w -t ${table} -S ${chain} >/dev/null 2>&1; then echo chain; else echo nochain; fi
out=$(${raw(bin)} -w -t ${table} -C ${chain} ${args} 2>&1); echo "rc=$?"; printf '%s\n' "$out" | head -n3
echo ---
${raw(bin)} -w -t ${table} -S ${chain} 2>/dev/null`,
    parse(out) {
      if (out.startsWith('missing')) return { available: false, chainExists: false, present: false, nftBackend: false, listing: [] };
      const [head = '', listing = ''] = out.split(/^---$/m);
      const lines = head.trim().split('\n');
      const version = lines[0] ?? '';
      const chainExists = lines[1] === 'chain';
      const rc = Number(/^rc=(\d+)$/m.exec(head)?.[1] ?? 1);
      const msg = lines.slice(3).join(' ').trim();
      const notThere = rc === 1 && (/does a matching rule exist|Bad rule/i.test(msg) || msg === '' || !chainExists);
      return {
        available: true,
        chainExists,
        present: rc === 0,
        nftBackend: /nf_tables/.test(version),
        error: rc !== 0 && !notThere ? msg || `exit ${rc}` : undefined,
        listing: listing.trim() ? listing.trim().split('\n') : [],
      };
    },
  };
}
