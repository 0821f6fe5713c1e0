import { raw } from '../shell/sh.js';
import type { Fact } from '../types.js';
import type { IpBinary } from './iptables.js';

export interface ChainState {
  available: boolean;
  exists: boolean;
  listing: string[];
  nftBackend: boolean;
}

/** `iptables -S DOCKER-USER` for one binary. */
export function dockerUserChainFact(bin: IpBinary): Fact<ChainState> {
  return {
    key: `docker-user:${bin}`,
    probe: raw(`command -v ${bin} >/dev/null || { echo missing; exit 0; }
${bin} -V 2>/dev/null | head -n1
if out=$(${bin} -w -S DOCKER-USER 2>/dev/null); then echo chain; printf '%s\\n' "$out"; else echo nochain; fi`),
    parse(out) {
      if (out.startsWith('missing')) return { available: false, exists: false, listing: [], nftBackend: false };
      const [version = '', chain = '', ...rest] = out.trimEnd().split('\n');
      return { available: true, exists: chain === 'chain', listing: chain === 'chain' ? rest : [], nftBackend: /nf_tables/.test(version) };
    },
  };
}
