// glibc's parallel A/AAAA lookups through conntrack lose replies and stall for 5 s; a local
// dnsmasq cache for the host and its containers, single-request-reopen, and Docker pointed at it.
// Restarts (dnsmasq, systemd-resolved, docker) are steps of the change that needs them, so one
// task is the whole remediation; restart_docker: false leaves docker's restart to a handler.
import { defineTask, isOk, type Change, type FactValues, type Plan } from '../types.js';
import { bool, doc, int, list, object, oneOf, optional, parseArgs, SchemaError, withDefault, plain } from '../schema/schema.js';
import { backup, sh, type Script } from '../shell/sh.js';
import { aptPackageFact } from '../facts/apt.js';
import { fileFact } from '../facts/file.js';
import { dnsStateFact, lookupFact } from '../facts/dns.js';
import { findInterface, interfacesFact } from '../facts/network.js';
import { serviceFact, type ServiceState } from '../facts/service.js';
import { aptTask } from './apt.js';
import { jsonFileTask } from './json_file.js';
import { currentText, planContent } from './lib/content.js';
import { isObj, parseJsonFile } from './lib/json-merge.js';
import { cacheConf, checkUpstream, dnsOpts, resolvConfFor, upstreamsOf } from './lib/dns-cache-text.js';

export { upstreamsOf } from './lib/dns-cache-text.js';

const CONF = '/etc/dnsmasq.d/fleet-cache.conf';
const RESOLV = '/etc/resolv.conf';
const RESOLVED_DROPIN = '/etc/systemd/resolved.conf.d/fleet-dns-cache.conf';
const DAEMON = '/etc/docker/daemon.json';

const args = object({
  upstreams: doc(optional(list(plain())), "upstream servers, IP or IP#port (default: the resolver's current non-local nameservers, kept across runs)"),
  bind: doc(withDefault(oneOf(['dynamic', 'interfaces']), 'dynamic'), "'dynamic' (bind-dynamic) copes with docker0 appearing after dnsmasq starts; 'interfaces' binds once at start"),
  cache_size: doc(withDefault(int({ min: 0, max: 10000 }), 1000), 'dnsmasq cache-size (names kept)'),
  restart_docker: doc(withDefault(bool(), true), 'restart docker when daemon.json changed (running containers stop unless live-restore is on); false: leave it to a handler'),
  verify_name: doc(optional(plain()), 'a name that must resolve through the cache after the change (getent hosts), e.g. your registry'),
}, (a, path) => {
  a.upstreams?.forEach((u, i) => {
    const bad = checkUpstream(u);
    if (bad) throw new SchemaError([...path, 'upstreams', i], bad);
  });
});

const facts = (a: Args) => ({
  pkg: aptPackageFact('dnsmasq'),
  dns: dnsStateFact(),
  net: interfacesFact(),
  conf: fileFact(CONF),
  resolv: fileFact(RESOLV),
  dropin: fileFact(RESOLVED_DROPIN),
  daemon: fileFact(DAEMON),
  svc: serviceFact('dnsmasq'),
  dockerSvc: serviceFact('docker'),
  lookup: lookupFact(a.verify_name),
});
type Now = FactValues<ReturnType<typeof facts>>;
type Args = ReturnType<typeof args.parse>;

const restart = (name: string, svc: ServiceState, enable = false): Script =>
  svc.manager === 'systemd'
    ? sh`${enable ? sh`systemctl enable ${name} >/dev/null 2>&1; ` : sh``}systemctl restart ${name}`
    : sh`${enable ? sh`update-rc.d ${name} defaults >/dev/null 2>&1 || true; ` : sh``}service ${name} restart`;

function plan(a: Args, now: Now): Plan {
  const keys = Object.values(facts(a)).map((f) => f.key);
  if (now.dns.listener && now.dns.listener !== 'dnsmasq') throw new Error(`127.0.0.1:53 is already served by ${now.dns.listener}: a second DNS server there would collide; stop it first, or keep it and skip dns_cache`);
  const changes: Change[] = [];
  const install = aptTask.plan(parseArgs(aptTask.args, { name: 'dnsmasq' }), { dnsmasq: now.pkg });
  if (!isOk(install)) changes.push(...install);

  const resolvText = currentText(RESOLV, now.resolv) ?? '';
  const link = now.resolv.exists ? now.resolv.link : undefined;
  const viaResolved = link?.startsWith('/run/systemd/resolve/') ?? false;
  const upstreams = upstreamsOf(a.upstreams, viaResolved ? '' : resolvText, currentText(CONF, now.conf) ?? '', now.dns.resolvedUpstreams);
  if (upstreams.length === 0) throw new Error(`no upstream DNS server: ${RESOLV} lists none that is not local; give upstreams: [...]`);
  const docker0 = findInterface(now.net, 'docker0')?.ipv4[0];
  const listen = ['127.0.0.1', ...(docker0 ? [docker0] : [])];
  const conf = planContent(CONF, now.conf, cacheConf({ listen, bind: a.bind, cacheSize: a.cache_size, upstreams }, CONF), { mode: '0644', validate: 'dnsmasq --test -C %s' });
  if (!isOk(conf)) changes.push(...conf.map((c) => ({ ...c, summary: `dnsmasq: ${c.summary}, then restart dnsmasq`, steps: [...c.steps, restart('dnsmasq', now.svc, true)] })));
  else if (!now.svc.active || now.svc.enabled === false) changes.push({ summary: 'start and enable dnsmasq', steps: [restart('dnsmasq', now.svc, true)], invalidates: [] });

  // the host resolver: systemd-resolved keeps its stub and forwards everything to the cache
  if (viaResolved) {
    const p = planContent(RESOLVED_DROPIN, now.dropin, '# fleet dns_cache: forward to the local cache\n[Resolve]\nDNS=127.0.0.1\nDomains=~.\n', { mode: '0644' });
    if (!isOk(p)) changes.push(...p.map((c) => ({ ...c, summary: `systemd-resolved: ${c.summary}, then restart it`, steps: [sh`mkdir -p /etc/systemd/resolved.conf.d`, ...c.steps, sh`systemctl restart systemd-resolved`] })));
  } else {
    const want = resolvConfFor(resolvText, CONF);
    if (resolvText !== want) {
      const c = resolvWrite(link ?? RESOLV, resolvText, want);
      if (link) c.warnings = [`${RESOLV} links to ${link}: whatever generates that file (resolvconf, NetworkManager, DHCP) may rewrite it; configure that tool to use 127.0.0.1`];
      changes.push(c);
    }
  }

  if (docker0) {
    const text = currentText(DAEMON, now.daemon);
    const cur = text?.trim() ? parseJsonFile(DAEMON, text) : {};
    const d = jsonFileTask.plan(parseArgs(jsonFileTask.args, { path: DAEMON, set: { dns: [docker0], 'dns-opts': dnsOpts(isObj(cur) ? cur['dns-opts'] : undefined) } }), { now: now.daemon });
    if (!isOk(d)) {
      changes.push(...d.map((c): Change => a.restart_docker
        ? { ...c, summary: `docker: ${c.summary}, then restart docker`, steps: [...c.steps, restart('docker', now.dockerSvc)] }
        : { ...c, summary: `docker: ${c.summary}`, warnings: ['restart_docker is false: containers use the cache only after docker restarts (notify a handler)'] }));
    }
  }
  if (!changes.length) return { ok: `dnsmasq caches on ${listen.join(' and ')}${docker0 ? '; the host and docker use it' : '; the host uses it'}` };
  if (!docker0) (changes[0]!.warnings ??= []).push('no docker0 bridge: containers are not pointed at the cache (run again once docker has started)');
  // every change may move every fact this task reads: re-probe them all for verify
  return changes.map((c) => ({ ...c, invalidates: keys }));
}

export const dnsCacheTask = defineTask({
  type: 'dns_cache',
  severity: 'low',
  description: 'A local dnsmasq cache on 127.0.0.1 and docker0 (never 0.0.0.0, so no clash with systemd-resolved), the host resolver pointed at it with single-request-reopen, and daemon.json dns/dns-opts so containers use it too.',
  args,
  facts,
  plan,
  verify(a, after) {
    const again = plan(a, after);
    if (!isOk(again)) return again.map((c) => c.summary).join('; ');
    if (!after.svc.active) return 'dnsmasq is not running';
    if (!after.dns.listening) return 'nothing listens on 127.0.0.1:53 after dnsmasq started';
    if (after.lookup && !after.lookup.ok) return `getent hosts ${after.lookup.name} fails through the cache`;
    return undefined;
  },
});

/** resolv.conf is often a bind mount (containers) where rename fails: then rewrite it in place. */
export function resolvWrite(target: string, before: string, after: string): Change {
  const b64 = Buffer.from(after).toString('base64');
  return {
    summary: `point ${RESOLV} at 127.0.0.1 with single-request-reopen`,
    diff: { path: RESOLV, before, after },
    steps: [backup(target), sh`t=$(mktemp ${`${target}.fleet-XXXXXX`}); printf '%s' ${b64} | base64 -d > "$t"; chmod 0644 "$t"; mv -f "$t" ${target} 2>/dev/null || { cat "$t" > ${target}; rm -f "$t"; }`],
    invalidates: [`file:${RESOLV}`],
  };
}
