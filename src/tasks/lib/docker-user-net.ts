// Addresses and ports for DOCKER-USER rules, validated and written the way `iptables -S` prints
// them back (host bits masked, /32 and /128 added, IPv6 compressed), so the predicted chain is
// exact. Pure.
import { isIP } from 'node:net';

export interface Cidr {
  family: 4 | 6;
  /** as iptables prints it: network address, always with a prefix */
  text: string;
}

export interface PortSpec {
  proto: 'tcp' | 'udp';
  port: number;
}

const bits = (family: 4 | 6) => (family === 4 ? 32 : 128);

function toBig(ip: string, family: 4 | 6): bigint {
  if (family === 4) return ip.split('.').reduce((n, o) => (n << 8n) | BigInt(Number(o)), 0n);
  const [head = '', tail] = ip.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  let h = groups(head);
  let t = tail === undefined ? [] : groups(tail);
  // an embedded IPv4 tail (::ffff:192.0.2.1) is two groups
  const v4tail = (g: string[]) => g.flatMap((x) => (x.includes('.') ? [((Number(toBig(x, 4)) >>> 16) & 0xffff).toString(16), (Number(toBig(x, 4)) & 0xffff).toString(16)] : [x]));
  h = v4tail(h);
  t = v4tail(t);
  const all = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return all.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function fromBig(n: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  const g = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: the longest run (>= 2) of zero groups becomes ::, the first such run on a tie
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > best.len && j - i >= 2) best = { at: i, len: j - i };
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

/** '192.0.2.7' -> 192.0.2.7/32, '192.0.2.9/24' -> 192.0.2.0/24, '2001:DB8:0::1/32' -> 2001:db8::/32. */
export function parseCidr(input: string): Cidr {
  const s = input.trim();
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const family = isIP(addr);
  if (family !== 4 && family !== 6) throw new Error(`'${input}' is not an IP address or CIDR (e.g. 192.0.2.0/24, 2001:db8::/32)`);
  const max = bits(family);
  const prefixText = slash < 0 ? String(max) : s.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= max)) throw new Error(`'${input}' has a bad prefix length (0-${max})`);
  const mask = prefix === 0 ? 0n : ((1n << BigInt(max)) - 1n) ^ ((1n << BigInt(max - prefix)) - 1n);
  return { family, text: `${fromBig(toBig(addr, family) & mask, family)}/${prefix}` };
}

/** 443, '443', 'tcp/443', 'udp/53' (tcp when no protocol is given). */
export function parsePort(input: string): PortSpec {
  const m = /^(?:(tcp|udp)\/)?(\d{1,5})$/.exec(input.trim().toLowerCase());
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) throw new Error(`'${input}' is not a port (use 443, 'tcp/443' or 'udp/53')`);
  return { proto: (m[1] as 'tcp' | 'udp' | undefined) ?? 'tcp', port };
}

/** An interface name as iptables takes it after -i (a trailing + is a wildcard). */
export const IFACE = /^[A-Za-z0-9_.@:-]{1,15}\+?$/;

/** `outer` covers every address of `inner` (same family, shorter or equal prefix). */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (o.family !== i.family) return false;
  const [oAddr = '', oLen = '0'] = o.text.split('/');
  const [iAddr = '', iLen = '0'] = i.text.split('/');
  if (Number(oLen) > Number(iLen)) return false;
  const max = bits(o.family);
  const shift = BigInt(max - Number(oLen));
  return toBig(oAddr, o.family) >> shift === toBig(iAddr, i.family) >> shift;
}
