import { raw } from '../shell/sh.js';
import type { Fact } from '../types.js';
import type { IpBinary } from './iptables.js';

export interface ChainState {
  available: boolean;
  exists: boolean;
  listing: string[];
  nftBackend: boolean;
  /** FORWARD jumps to DOCKER-USER (without the jump the chain filters nothing) */
  forwardJump: boolean;
  /** the binary is missing but `nft` is there: an nftables-only host */
  nftOnly?: boolean;
}

/** `iptables -S DOCKER-USER` for one binary, and whether FORWARD jumps to it. */
export function dockerUserChainFact(bin: IpBinary): Fact<ChainState> {
  return {
    key: `docker-user:${bin}`,
    probe: raw(`command -v ${bin} >/dev/null || { if command -v nft >/dev/null; then echo missing nft; else echo missing; fi; exit 0; }
${bin} -V 2>/dev/null | head -n1
if out=$(${bin} -w -S DOCKER-USER 2>/dev/null); then
  if ${bin} -w -S FORWARD 2>/dev/null | grep -q -- '-j DOCKER-USER'; then echo chain; else echo chain-nojump; fi
  printf '%s\\n' "$out"
else echo nochain; fi`),
    parse(out) {
      if (out.startsWith('missing')) return { available: false, exists: false, listing: [], nftBackend: false, forwardJump: false, ...(out.startsWith('missing nft') ? { nftOnly: true } : {}) };
      const [version = '', chain = '', ...rest] = out.trimEnd().split('\n');
      const exists = chain === 'chain' || chain === 'chain-nojump';
      return { available: true, exists, listing: exists ? rest : [], nftBackend: /nf_tables/.test(version), forwardJump: chain === 'chain' };
    },
  };
}
