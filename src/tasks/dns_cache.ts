// glibc's parallel A/AAAA lookups through conntrack lose replies and stall for 5 s; a local
// dnsmasq cache for the host and its containers, single-request-reopen, and Docker pointed at it.
import { defineTask, isOk, type Change } from '../types.js';
import { doc, int, list, object, oneOf, optional, parseArgs, string, withDefault } from '../schema/schema.js';
import { backup, sh } from '../shell/sh.js';
import { aptPackageFact } from '../facts/apt.js';
import { fileFact } from '../facts/file.js';
import { dnsStateFact } from '../facts/dns.js';
import { serviceFact } from '../facts/service.js';
import { aptTask } from './apt.js';
import { jsonFileTask } from './json_file.js';
import { currentText, planContent } from './lib/content.js';

const CONF = '/etc/dnsmasq.d/fleet-cache.conf';
const RESOLV = '/etc/resolv.conf';
const RESOLVED_DROPIN = '/etc/systemd/resolved.conf.d/fleet-dns-cache.conf';
const DAEMON = '/etc/docker/daemon.json';

const local = (ip: string) => /^127\./.test(ip) || ip === '::1';
const nameservers = (text: string) => [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]!);

/** Upstreams: given, else the resolver's non-local servers, else what fleet configured before
 *  (after the first run the resolver points at 127.0.0.1, so a re-run must not lose them). */
export function upstreamsOf(given: string[] | undefined, resolv: string, conf: string): string[] {
  if (given?.length) return given;
  const fromResolv = nameservers(resolv).filter((s) => !local(s));
  if (fromResolv.length) return fromResolv;
  return [...conf.matchAll(/^server=(\S+)$/gm)].map((m) => m[1]!);
}

export const dnsCacheTask = defineTask({
  type: 'dns_cache',
  description: 'A local dnsmasq cache on 127.0.0.1 and docker0 (never 0.0.0.0, so no clash with systemd-resolved), the host resolver pointed at it with single-request-reopen, and daemon.json dns/dns-opts for containers.',
  args: object({
    upstreams: doc(optional(list(string())), "upstream servers (default: the resolver's current non-local nameservers)"),
    bind: doc(withDefault(oneOf(['dynamic', 'interfaces']), 'dynamic'), "'dynamic' (bind-dynamic) copes with docker0 appearing after dnsmasq starts"),
    cache_size: doc(withDefault(int({ min: 0 }), 1000), 'dnsmasq cache-size'),
  }),
  facts: () => ({
    pkg: aptPackageFact('dnsmasq'),
    dns: dnsStateFact(),
    conf: fileFact(CONF),
    resolv: fileFact(RESOLV),
    dropin: fileFact(RESOLVED_DROPIN),
    daemon: fileFact(DAEMON),
    svc: serviceFact('dnsmasq'),
  }),
  plan(a, now) {
    const changes: Change[] = [];
    const install = aptTask.plan(parseArgs(aptTask.args, { name: 'dnsmasq' }), { dnsmasq: now.pkg });
    if (!isOk(install)) changes.push(...install);
    const resolvText = currentText(RESOLV, now.resolv) ?? '';
    const ups = upstreamsOf(a.upstreams, resolvText, currentText(CONF, now.conf) ?? '');
    if (ups.length === 0) throw new Error(`no upstream DNS server: ${RESOLV} lists none that is not local; give upstreams: [...]`);
    const listen = ['127.0.0.1', ...(now.dns.docker0 ? [now.dns.docker0] : [])];
    const conf = ['# fleet dns_cache: local DNS cache for this host and its containers', `listen-address=${listen.join(',')}`, a.bind === 'dynamic' ? 'bind-dynamic' : 'bind-interfaces', `cache-size=${a.cache_size}`, 'no-resolv', ...ups.map((u) => `server=${u}`)].join('\n') + '\n';
    const confPlan = planContent(CONF, now.conf, conf, { mode: '0644' });
    const restart = sh`systemctl enable dnsmasq >/dev/null 2>&1 || update-rc.d dnsmasq defaults; systemctl restart dnsmasq 2>/dev/null || service dnsmasq restart`;
    if (!isOk(confPlan)) changes.push(...confPlan.map((c) => ({ ...c, summary: `dnsmasq: ${c.summary}`, steps: [...c.steps, restart], invalidates: [...c.invalidates, 'service:dnsmasq', 'dns:state'] })));
    else if (!now.svc.active || now.svc.enabled === false) changes.push({ summary: 'start and enable dnsmasq', steps: [restart], invalidates: ['service:dnsmasq', 'dns:state'] });
    // the host resolver: systemd-resolved keeps its stub and forwards to the cache
    if (now.dns.resolvLink?.startsWith('/run/systemd/resolve/')) {
      const p = planContent(RESOLVED_DROPIN, now.dropin, '# fleet dns_cache\n[Resolve]\nDNS=127.0.0.1\nDomains=~.\n', { mode: '0644' });
      if (!isOk(p)) changes.push(...p.map((c) => ({ ...c, steps: [sh`mkdir -p /etc/systemd/resolved.conf.d`, ...c.steps, sh`systemctl restart systemd-resolved`] })));
    } else {
      const want = `# fleet dns_cache: local cache (dnsmasq), see ${CONF}\nnameserver 127.0.0.1\noptions single-request-reopen\n`;
      if (resolvText !== want) changes.push(resolvWrite(resolvText, want));
    }
    if (now.dns.docker0) {
      const d = jsonFileTask.plan(parseArgs(jsonFileTask.args, { path: DAEMON, set: { dns: [now.dns.docker0], 'dns-opts': ['single-request-reopen'] } }), { now: now.daemon });
      if (!isOk(d)) changes.push(...d.map((c) => ({ ...c, summary: `docker: ${c.summary}, then restart docker`, steps: [...c.steps, sh`systemctl restart docker 2>/dev/null || service docker restart`] })));
    }
    if (!changes.length) return { ok: `dnsmasq caches on ${listen.join(' and ')}; the host and docker use it` };
    if (!now.dns.docker0) changes[0]!.warnings = ['no docker0 bridge: containers are not pointed at the cache (re-run once docker has started)'];
    return changes;
  },
});

/** resolv.conf is often a bind mount (containers) where rename fails: fall back to an in-place write. */
function resolvWrite(before: string, after: string): Change {
  const b64 = Buffer.from(after).toString('base64');
  return {
    summary: `point ${RESOLV} at 127.0.0.1 with single-request-reopen`,
    diff: { path: RESOLV, before, after },
    steps: [backup(RESOLV), sh`t=$(mktemp /etc/.resolv.conf.fleet-XXXXXX); printf '%s' ${b64} | base64 -d > "$t"; chmod 0644 "$t"; mv -f "$t" ${RESOLV} 2>/dev/null || { cat "$t" > ${RESOLV}; rm -f "$t"; }`],
    invalidates: [`file:${RESOLV}`],
  };
}
