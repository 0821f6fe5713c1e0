// The text dns_cache writes: dnsmasq's drop-in and the host's resolv.conf. Pure.
import { isIP } from 'node:net';

export const OPT = 'single-request-reopen';
export const isLocal = (ip: string) => /^127\./.test(ip) || ip === '::1';
export const nameservers = (text: string) => [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]!);

/** An upstream dnsmasq takes as `server=`: an address, optionally `#port`. */
export function checkUpstream(s: string): string | undefined {
  const [ip = '', port] = s.split('#');
  if (!isIP(ip)) return `'${s}' is not an IP address (optionally with #port, e.g. 192.0.2.53#5353)`;
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) return `'${s}' has a bad port`;
  if (isLocal(ip)) return `'${s}' is local: dnsmasq would ask itself (or systemd-resolved's stub); give the real upstream servers`;
  return undefined;
}

/** Upstreams: given; else the resolver's non-local servers (systemd-resolved's own list when
 *  resolv.conf is its stub); else what fleet configured before — after the first run the resolver
 *  points at 127.0.0.1, so a re-run must not lose them. */
export function upstreamsOf(given: string[] | undefined, resolv: string, conf: string, resolved: string[] = []): string[] {
  if (given?.length) return given;
  const fromResolver = [...nameservers(resolv), ...resolved].filter((s) => !isLocal(s));
  if (fromResolver.length) return [...new Set(fromResolver)];
  return [...conf.matchAll(/^server=(\S+)$/gm)].map((m) => m[1]!);
}

export interface CacheConf {
  /** undefined: no listen option of fleet's own, dnsmasq keeps listening where its config says
   *  (everywhere, when nothing does) */
  listen?: string[];
  bind: 'dynamic' | 'interfaces';
  cacheSize: number;
  upstreams: string[];
}

export const cacheConf = (c: CacheConf, path: string) =>
  [
    `# fleet dns_cache: a local DNS cache for this host and its containers (${path})`,
    c.listen ? `listen-address=${c.listen.join(',')}` : '# listen-address: none here, so dnsmasq keeps serving every interface as before (serving_others: keep)',
    c.bind === 'dynamic' ? 'bind-dynamic' : 'bind-interfaces',
    `cache-size=${c.cacheSize}`,
    'no-resolv',
    ...c.upstreams.map((u) => `server=${u}`),
  ].join('\n') + '\n';

/** resolv.conf pointed at the cache: search/domain/sortlist kept, every nameserver replaced by
 *  127.0.0.1, options kept with single-request-reopen added (single-request does the same job).
 *  Applying it to its own output changes nothing. */
export function resolvConfFor(text: string, confPath: string): string {
  const keep = text.split('\n').filter((l) => /^\s*(search|domain|sortlist)\s/.test(l)).map((l) => l.trim());
  const opts = [...new Set(text.split('\n').filter((l) => /^\s*options\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1)))];
  if (!opts.includes(OPT) && !opts.includes('single-request')) opts.push(OPT);
  return [`# fleet dns_cache: the local cache (dnsmasq, ${confPath})`, ...keep, 'nameserver 127.0.0.1', `options ${opts.join(' ')}`].join('\n') + '\n';
}

/** resolv.conf already uses the cache: 127.0.0.1 is its only nameserver and a single-request
 *  option is set (a host configured by hand, or by fleet: the header comment does not matter). */
export function resolvUsesCache(text: string): boolean {
  const ns = nameservers(text);
  const opts = text.split('\n').filter((l) => /^\s*options\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  return ns.length === 1 && ns[0] === '127.0.0.1' && (opts.includes(OPT) || opts.includes('single-request'));
}

/** systemd-resolved's drop-in: the empty `DNS=` first empties the list resolved.conf and earlier
 *  drop-ins built (a bare `DNS=127.0.0.1` would be appended to it, and resolved would keep asking
 *  the old servers directly); `~.` routes every name not claimed by a link's own domain there. */
export const RESOLVED_TEXT = '# fleet dns_cache: systemd-resolved forwards to the local cache only\n[Resolve]\nDNS=\nDNS=127.0.0.1\nDomains=~.\n';

/** daemon.json's dns-opts with single-request-reopen added, the others kept. */
export function dnsOpts(current: unknown): string[] {
  const opts = Array.isArray(current) ? current.filter((o): o is string => typeof o === 'string') : [];
  return opts.includes(OPT) || opts.includes('single-request') ? opts : [...opts, OPT];
}
