// glibc's parallel A/AAAA lookups through conntrack lose replies and stall for 5 s; a local
// dnsmasq cache for the host and its containers, single-request-reopen, and Docker pointed at it.
// Restarts of dnsmasq and systemd-resolved are steps of the change that needs them; docker's is
// asked of the engine (one per host, after the play's tasks); restart_docker: false leaves it to a handler.
// Real hosts differ (REMEDIATIONS.md 7): ufw dropping docker0 -> :53, systemd-resolved keeping its
// own servers, a cache already in place (adopted as it is), a dnsmasq serving other machines
// (refused unless serving_others says keep or replace). The apply ends with a lookup from docker0.
import { defineTask, isOk, type Change, type FactValues, type Impact, type Plan } from '../types.js';
import { bool, doc, int, list, object, oneOf, optional, parseArgs, SchemaError, string, withDefault, plain } from '../schema/schema.js';
import { backup, sh, type Script } from '../shell/sh.js';
import { aptPackageFact } from '../facts/apt.js';
import { fileFact } from '../facts/file.js';
import { dnsStateFact, lookupFact, type DnsmasqLine, type ResolvedState } from '../facts/dns.js';
import { findInterface, interfacesFact } from '../facts/network.js';
import { serviceFact, type ServiceState } from '../facts/service.js';
import { opensDns, ufwFact } from '../facts/ufw.js';
import { aptTask } from './apt.js';
import { jsonFileTask } from './json_file.js';
import { currentText, planContent } from './lib/content.js';
import { isObj, parseJsonFile } from './lib/json-merge.js';
import { cacheConf, checkUpstream, dnsOpts, RESOLVED_TEXT, resolvConfFor, resolvUsesCache, upstreamsOf } from './lib/dns-cache-text.js';
import { addressesOf, dropped, existingCache, label, pinnedBy, serversIn } from './lib/dns-cache-listeners.js';
import { checkFromDocker0 } from './lib/dns-cache-check.js';

export { upstreamsOf } from './lib/dns-cache-text.js';

const CONF = '/etc/dnsmasq.d/fleet-cache.conf';
const RESOLV = '/etc/resolv.conf';
const RESOLVED_DROPIN = '/etc/systemd/resolved.conf.d/fleet-dns-cache.conf';
const DAEMON = '/etc/docker/daemon.json';

const args = object({
  upstreams: doc(optional(list(plain())), "upstream servers, IP or IP#port (default: the resolver's current non-local nameservers, kept across runs)"),
  bind: doc(withDefault(oneOf(['dynamic', 'interfaces']), 'dynamic'), "'dynamic' (bind-dynamic) copes with docker0 appearing after dnsmasq starts; 'interfaces' binds once at start"),
  cache_size: doc(withDefault(int({ min: 0, max: 10000 }), 1000), 'dnsmasq cache-size (names kept)'),
  restart_docker: doc(withDefault(bool(), true), "restart docker when daemon.json changed (once, after the play's tasks; running containers stop unless live-restore is on, and the restart is refused then unless allow_container_stop is set); false: leave it to a handler"),
  verify_name: doc(optional(plain()), 'a name that must resolve through the cache after the change (getent hosts, on the host and from docker0), e.g. your registry'),
  serving_others: doc(withDefault(oneOf(['refuse', 'keep', 'replace']), 'refuse'), "a dnsmasq already answering other machines (on addresses that are not loopback or docker0): 'refuse' stops with who would lose DNS; 'keep' keeps its listeners and adds the cache's; 'replace' narrows it to 127.0.0.1 and docker0 (those clients lose DNS, stated as the change's impact)"),
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
  // resolv.conf is often a link (systemd-resolved, resolvconf): read where it points
  resolv: fileFact(RESOLV, { follow: true }),
  dropin: fileFact(RESOLVED_DROPIN),
  daemon: fileFact(DAEMON),
  svc: serviceFact('dnsmasq'),
  ufw: ufwFact(),
  dockerSvc: serviceFact('docker'),
  lookup: lookupFact(a.verify_name),
});
type Now = FactValues<ReturnType<typeof facts>>;
type Args = ReturnType<typeof args.parse>;

const restart = (name: string, svc: ServiceState, enable = false): Script =>
  svc.manager === 'systemd'
    ? sh`${enable ? sh`systemctl enable ${name} >/dev/null 2>&1; ` : sh``}systemctl restart ${name}`
    : sh`${enable ? sh`update-rc.d ${name} defaults >/dev/null 2>&1 || true; ` : sh``}service ${name} restart`;

const RESTART_DNSMASQ: Impact = { kind: 'restart', service: 'dnsmasq', summary: 'dnsmasq restarts: lookups through it fail for ~1 s and its cache starts empty', duration: '~1 s' };
const RESTART_RESOLVED: Impact = { kind: 'restart', service: 'systemd-resolved', summary: "systemd-resolved restarts: the host's lookups pause for ~1 s", duration: '~1 s' };

function plan(a: Args, now: Now): Plan {
  const keys = Object.values(facts(a)).map((f) => f.key);
  if (now.dns.listener && now.dns.listener !== 'dnsmasq') throw new Error(`127.0.0.1:53 is already served by ${now.dns.listener}: a second DNS server there would collide; stop it first, or keep it and skip dns_cache`);
  const changes: Change[] = [];
  const install = aptTask.plan(parseArgs(aptTask.args, { name: 'dnsmasq' }), { dnsmasq: now.pkg });
  if (!isOk(install)) changes.push(...install);

  const resolvText = currentText(RESOLV, now.resolv) ?? '';
  const link = now.resolv.exists ? now.resolv.link : undefined;
  const viaResolved = link?.startsWith('/run/systemd/resolve/') ?? false;
  const docker0 = findInterface(now.net, 'docker0')?.ipv4[0];
  const ours = ['127.0.0.1', ...(docker0 ? [docker0] : [])];
  const others = now.dns.dnsmasqConf.filter((l) => l.path !== CONF);
  const current = now.svc.active ? addressesOf(now.dns.listeners, now.dns.dnsmasqPid) : [];
  const adopted = !now.conf.exists && now.svc.active ? existingCache(others, current, docker0) : undefined;
  if (!adopted) changes.push(...cacheChanges(a, now, ours, others, current, viaResolved ? '' : resolvText));

  // the host resolver: systemd-resolved keeps its stub and forwards everything to the cache only
  const warnings: string[] = [];
  if (viaResolved) {
    const p = planContent(RESOLVED_DROPIN, now.dropin, RESOLVED_TEXT, { mode: '0644' });
    if (!isOk(p)) changes.push(...p.map((c) => ({ ...c, summary: `systemd-resolved: ${c.summary}, then restart it`, steps: [sh`mkdir -p /etc/systemd/resolved.conf.d`, ...c.steps, sh`systemctl restart systemd-resolved`], impact: [RESTART_RESOLVED] })));
    warnings.push(...linkBypass(now.dns.resolved));
  } else if (!resolvUsesCache(resolvText)) {
    const c = resolvWrite(link ?? RESOLV, resolvText, resolvConfFor(resolvText, CONF));
    if (link) c.warnings = [`${RESOLV} links to ${link}: whatever generates that file (resolvconf, NetworkManager, DHCP) may rewrite it; configure that tool to use 127.0.0.1`];
    changes.push(c);
  }

  // ufw's default deny drops what containers send to docker0's address (INPUT): allow exactly that,
  // through ufw itself so it is in user.rules and survives `ufw reload` and boots
  if (now.ufw.enabled && docker0) {
    if (!opensDns(now.ufw.saved, docker0)) changes.push({ summary: `ufw: allow docker0 -> ${docker0} port 53 (udp, tcp), so containers reach the cache`, steps: [sh`ufw allow in on docker0 to ${docker0} port 53 comment 'fleet dns_cache' >/dev/null`], invalidates: [] });
    else if (!opensDns(now.ufw.live, docker0)) changes.push({ summary: `ufw: reload, so its saved docker0 -> ${docker0} port 53 rule filters again`, steps: [sh`ufw reload >/dev/null`], invalidates: [] });
  }

  if (docker0) {
    const text = currentText(DAEMON, now.daemon);
    const cur = text?.trim() ? parseJsonFile(DAEMON, text) : {};
    const d = jsonFileTask.plan(parseArgs(jsonFileTask.args, { path: DAEMON, set: { dns: [docker0], 'dns-opts': dnsOpts(isObj(cur) ? cur['dns-opts'] : undefined) } }), { now: now.daemon });
    if (!isOk(d)) {
      // docker's restart is the engine's: one per host after the play's tasks, shared with every
      // other change that needs it, with live-restore made effective first where it is turned on
      changes.push(...d.map((c): Change => a.restart_docker && now.dockerSvc.active
        ? { ...c, summary: `docker: ${c.summary}; docker restarts once after the play's tasks`, restarts: [{ service: 'docker', how: 'restart', why: 'daemon.json dns, dns-opts' }] }
        : a.restart_docker
          ? { ...c, summary: `docker: ${c.summary} (docker is not running: it reads the file when it starts)` }
          : { ...c, summary: `docker: ${c.summary}`, warnings: ['restart_docker is false: containers use the cache only after docker restarts (notify a handler)'] }));
    }
  }
  const where = `${ours.join(' and ')}${docker0 ? '; the host and docker use it' : '; the host uses it'}${now.ufw.enabled && docker0 ? '; ufw lets docker0 reach it' : ''}${viaResolved ? ` (systemd-resolved forwards ${warnings.length ? '' : 'only '}to it)` : ''}`;
  // a converged host still says when a link bypasses the cache: nothing fleet writes can stop that
  if (!changes.length && warnings.length) return { ok: `dnsmasq caches on ${where}; but ${warnings.join('; ')}` };
  if (!changes.length) return { ok: adopted ? `the existing dnsmasq cache (${adopted.files.join(', ')}; upstreams ${adopted.upstreams.join(', ')}) answers on ${where}` : `dnsmasq caches on ${where}` };
  if (!docker0) (changes[0]!.warnings ??= []).push('no docker0 bridge: containers are not pointed at the cache (run again once docker has started)');
  if (warnings.length) (changes[0]!.warnings ??= []).push(...warnings);
  // the end-to-end proof, after every step of the task: a client on docker0 gets an answer
  if (docker0) {
    const last = changes.at(-1)!;
    last.steps = [...last.steps, checkFromDocker0(docker0, a.verify_name ?? 'localhost')];
  }
  // every change may move every fact this task reads: re-probe them all for verify
  return changes.map((c) => ({ ...c, invalidates: keys }));
}

/** Links whose servers systemd-resolved still asks directly: for their own search domains (a
 *  longer match than the global ~.), or for every name when the link routes ~. too (NetworkManager
 *  sets that on the default connection). Set by the link's network manager (DHCP, networkd,
 *  NetworkManager), so said, not changed. */
function linkBypass(r: ResolvedState | undefined): string[] {
  return (r?.links ?? []).flatMap((l) => {
    if (!l.servers.length) return [];
    const fix = `(set by ${l.name}'s network manager: DHCP, networkd or NetworkManager; turn its DNS off there to use the cache only)`;
    if (l.domains.includes('~.')) return [`systemd-resolved also sends every name to ${l.servers.join(', ')} on ${l.name} directly, beside the cache ${fix}`];
    const doms = l.domains;
    return doms.length ? [`systemd-resolved sends names under ${doms.join(', ')} to ${l.servers.join(', ')} on ${l.name} directly, not through the cache ${fix}`] : [];
  });
}

/** fleet's dnsmasq file and the service: upstreams, listeners (never narrowing a dnsmasq that serves
 *  others unless told), and what the restart interrupts. */
function cacheChanges(a: Args, now: Now, ours: string[], others: DnsmasqLine[], current: string[], resolvText: string): Change[] {
  const changes: Change[] = [];
  let listen: string[] | undefined = ours;
  const dropinOurs = currentText(RESOLVED_DROPIN, now.dropin) === RESOLVED_TEXT;
  // once resolved forwards to the cache its list is ours: the upstreams are in the cache's config then
  const configured = [...(currentText(CONF, now.conf) ?? '').split('\n'), ...serversIn(others).map((u) => `server=${u}`)].join('\n');
  const upstreams = upstreamsOf(a.upstreams, resolvText, configured, dropinOurs ? [] : now.dns.resolvedUpstreams);
  if (upstreams.length === 0) throw new Error(`no upstream DNS server: ${RESOLV} lists none that is not local, nor does dnsmasq's config (server=); give upstreams: [...]`);
  // docker0's IPv6 (link-local) addresses are the containers' side too, not other machines'
  const gone = dropped(current, [...ours, ...(findInterface(now.net, 'docker0')?.ipv6 ?? [])], others, now.net);
  const impact: Impact[] = [];
  const warnings: string[] = [];
  // the dnsmasq service with no configuration of its own (Debian's default: every line of
  // dnsmasq.conf commented out) answers on every address only because nothing says otherwise:
  // kept so, as 'keep' would, nobody loses DNS and nothing is refused; configured serving, or
  // listeners not known to be the service's, are refused
  const stock = gone.length > 0 && others.length === 0 && now.dns.dnsmasqPid !== undefined;
  const policy = stock && a.serving_others === 'refuse' ? 'keep' : a.serving_others;
  if (stock && policy === 'keep') warnings.push(`dnsmasq answers on all interfaces with its stock configuration (no option of its own): fleet keeps it so, as serving_others: keep does, so no machine that uses it loses DNS; set serving_others: replace to narrow it to 127.0.0.1 and docker0`);
  if (gone.length) {
    const who = gone.map((x) => label(x, now.net)).join(', ');
    const dhcp = others.some((l) => l.line.startsWith('dhcp-range=')) ? ' (and its DHCP service there)' : '';
    if (policy === 'refuse') throw new Error(`dnsmasq already serves other machines on ${who}${dhcp}: the cache's listen-address=${ours.join(',')} would take them off DNS; pass serving_others: keep (keep those listeners and add the cache's) or replace (narrow it; those clients lose DNS)`);
    // keep: no listen option of ours when the rest of the config has none (it listens everywhere)
    if (policy === 'keep' && !pinnedBy(others, now.net).length) listen = undefined;
    if (policy === 'replace') impact.push({ kind: 'dns', summary: `dnsmasq stops answering on ${who}${dhcp}: machines using this host as their DNS server lose it`, clients: gone.map((x) => label(x, now.net)) });
  }
  if (current.length && !impact.length) {
    const after = listen ? [...new Set([...listen, ...pinnedBy(others, now.net)])] : current;
    impact.push({ kind: 'dns', summary: `dnsmasq answers on ${current.map((x) => label(x, now.net)).join(', ')}; after: ${after.map((x) => label(x, now.net)).join(', ')} (no client loses service)`, clients: [] });
  }
  const conf = planContent(CONF, now.conf, cacheConf({ ...(listen ? { listen } : {}), bind: a.bind, cacheSize: a.cache_size, upstreams }, CONF), { mode: '0644', validate: 'dnsmasq --test -C %s' });
  const restarting = now.svc.active ? [RESTART_DNSMASQ, ...impact] : impact;
  if (!isOk(conf)) changes.push(...conf.map((c) => ({ ...c, summary: `dnsmasq: ${c.summary}, then restart dnsmasq`, steps: [...c.steps, restart('dnsmasq', now.svc, true)], ...(restarting.length ? { impact: restarting } : {}), ...(warnings.length ? { warnings: [...(c.warnings ?? []), ...warnings] } : {}) })));
  else if (!now.svc.active) changes.push({ summary: 'start and enable dnsmasq', steps: [restart('dnsmasq', now.svc, true)], invalidates: [] });
  // running but off at boot: enable it, no restart (its clients keep their answers)
  else if (now.svc.enabled === false) changes.push({ summary: 'enable dnsmasq at boot', steps: [now.svc.manager === 'systemd' ? sh`systemctl enable dnsmasq >/dev/null 2>&1` : sh`update-rc.d dnsmasq defaults >/dev/null 2>&1`], invalidates: [] });
  return changes;
}

export const dnsCacheTask = defineTask({
  type: 'dns_cache',
  severity: 'low',
  description: 'A local dnsmasq cache on 127.0.0.1 and docker0 (never 0.0.0.0, so no clash with systemd-resolved), the host resolver pointed at it with single-request-reopen (systemd-resolved: the cache as its only server), ufw opened for docker0 -> the cache, and daemon.json dns/dns-opts so containers use it too; a cache already in place is adopted, a dnsmasq serving other machines is never narrowed unless told; the apply ends with a lookup from docker0.',
  args,
  facts,
  plan,
  verify(a, after) {
    const again = plan(a, after);
    if (!isOk(again)) return again.map((c) => c.summary).join('; ');
    if (!after.svc.active) return 'dnsmasq is not running';
    if (!after.dns.listening) return 'nothing listens on 127.0.0.1:53 after dnsmasq started';
    if (after.lookup && !after.lookup.ok) return `getent hosts ${after.lookup.name} fails through the cache`;
    const global = after.dns.resolved?.global;
    if (global && after.resolv.exists && after.resolv.link?.startsWith('/run/systemd/resolve/') && (global.length !== 1 || global[0] !== '127.0.0.1')) return `systemd-resolved uses ${global.join(', ') || 'no server'} (resolvectl dns), not the cache alone`;
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
