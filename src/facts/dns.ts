import { raw } from '../shell/sh.js';
import type { Fact } from '../types.js';

export interface DnsState {
  /** docker0's IPv4 address, when the bridge exists */
  docker0?: string;
  /** where /etc/resolv.conf points when it is a symlink */
  resolvLink?: string;
  /** something answers DNS on 127.0.0.1:53 */
  listening: boolean;
}

export function dnsStateFact(): Fact<DnsState> {
  return {
    key: 'dns:state',
    probe: raw(`ip -4 -o addr show docker0 2>/dev/null | awk '{print "docker0=" $4}' | head -n1
[ -L /etc/resolv.conf ] && echo "link=$(readlink -f /etc/resolv.conf)"
ss -lnu 2>/dev/null | awk '{print $4}' | grep -qx '127.0.0.1:53' && echo listening
true`),
    parse(out) {
      const get = (k: string) => out.split('\n').find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1);
      return { docker0: get('docker0')?.split('/')[0], resolvLink: get('link'), listening: out.split('\n').includes('listening') };
    },
  };
}
