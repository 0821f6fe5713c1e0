// Docker publishes ports through FORWARD, never INPUT, so ufw and friends do not see them. This
// task owns the top of the DOCKER-USER chain: replies first, then the allows, then a drop for the
// external interface; a systemd unit ordered after docker puts them back after a reboot or a
// docker restart.
import { defineTask, isOk, type Change, type FactValues } from '../types.js';
import { bool, doc, list, object, oneOf, optional, SchemaError, string, withDefault } from '../schema/schema.js';
import { backup, sh } from '../shell/sh.js';
import { fileFact } from '../facts/file.js';
import { dockerUserChainFact, type ChainState } from '../facts/docker_user.js';
import { dockerInfoFact } from '../facts/docker.js';
import { findInterface, interfacesFact } from '../facts/network.js';
import { serviceFact } from '../facts/service.js';
import { dockerPortsFact } from '../facts/docker_ports.js';
import type { IpBinary } from '../facts/iptables.js';
import { didYouMean } from '../util/suggest.js';
import { currentText, planContent } from './lib/content.js';
import { parseJsonFile } from './lib/json-merge.js';
import { IFACE, parseCidr, parsePort } from './lib/docker-user-net.js';
import { applyScript, applySteps, chainAfter, compileRules, fleetComments, inPlace, removeSteps } from './lib/docker-user-rules.js';
import { firewallImpact, policyFor, policyInChain, type ChainPolicy } from './lib/docker-user-impact.js';

export const SCRIPT = '/usr/local/sbin/fleet-docker-user';
export const UNIT = '/etc/systemd/system/fleet-docker-user.service';
export const UNIT_TEXT = `[Unit]
Description=fleet: DOCKER-USER firewall rules for published container ports
After=docker.service
PartOf=docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${SCRIPT}

[Install]
WantedBy=docker.service
`;
const DAEMON = '/etc/docker/daemon.json';
const NFT_HELP = 'fleet does not write the equivalent nft table yet: switch dockerd to "firewall-backend": "iptables" in /etc/docker/daemon.json, or filter in your own `table inet` with a forward-hook chain';

const args = object({
  external_interface: doc(string(), "interface facing the outside, e.g. eth0 (a trailing + is iptables' wildcard: eth+)"),
  allowed_sources: doc(withDefault(list(string()), []), 'CIDRs (or addresses) that may reach every published port; IPv6 ones go to ip6tables'),
  allowed_ports: doc(withDefault(list(string()), []), "published host ports anyone may reach: 443, 'tcp/443', 'udp/53'"),
  ip_versions: doc(optional(list(oneOf(['ipv4', 'ipv6']))), "unset: ipv4, and ipv6 wherever ip6tables has a DOCKER-USER chain (Docker >= 27), with a warning in the plan where it has none; a list forces those families (a missing chain is then an error)"),
  persist: doc(withDefault(bool(), true), 'install the systemd unit that re-applies the rules after every docker start (and so after a reboot)'),
  state: doc(withDefault(oneOf(['present', 'absent']), 'present'), "absent removes fleet's rules, the unit and the script"),
}, (a, path) => {
  if (!IFACE.test(a.external_interface)) throw new SchemaError([...path, 'external_interface'], `'${a.external_interface}' is not an interface name (e.g. eth0, ens3, eth+)`);
  a.allowed_sources.forEach((s, i) => {
    let family: number;
    try { family = parseCidr(s).family; } catch (e) { throw new SchemaError([...path, 'allowed_sources', i], (e as Error).message); }
    if (family === 6 && a.ip_versions && !a.ip_versions.includes('ipv6')) throw new SchemaError([...path, 'allowed_sources', i], `'${s}' is IPv6 but ip_versions has no 'ipv6': add it, or the address would never be used`);
  });
  a.allowed_ports.forEach((p, i) => {
    try { parsePort(p); } catch (e) { throw new SchemaError([...path, 'allowed_ports', i], (e as Error).message); }
  });
});

const facts = () => ({
  v4: dockerUserChainFact('iptables'),
  v6: dockerUserChainFact('ip6tables'),
  net: interfacesFact(),
  docker: dockerInfoFact(),
  daemon: fileFact(DAEMON),
  script: fileFact(SCRIPT),
  unit: fileFact(UNIT),
  svc: serviceFact('fleet-docker-user'),
  dockerSvc: serviceFact('docker'),
  published: dockerPortsFact(),
});
type Now = FactValues<ReturnType<typeof facts>>;

export const dockerUserTask = defineTask({
  type: 'docker_user',
  severity: 'high',
  description: "Firewall for published container ports (which bypass ufw/firewalld): DOCKER-USER rules compiled from a policy — replies first, then allowed sources and ports, then drop on the external interface — for iptables and ip6tables, re-applied by a systemd unit after docker starts.",
  args,
  facts,
  plan(a, now) {
    const keys = ['docker-user:iptables', 'docker-user:ip6tables', `file:${SCRIPT}`, `file:${UNIT}`, 'service:fleet-docker-user'];
    if (a.state === 'absent') return planAbsent(now, keys);
    const daemonText = currentText(DAEMON, now.daemon);
    const daemon = daemonText?.trim() ? parseJsonFile(DAEMON, daemonText) : {};
    const backend = daemon && typeof daemon === 'object' && !Array.isArray(daemon) ? daemon['firewall-backend'] : undefined;
    if (backend === 'nftables') throw new Error(`docker uses the nftables firewall backend ("firewall-backend": "nftables" in ${DAEMON}), which has no DOCKER-USER chain; ${NFT_HELP}`);
    if (now.net.known && !a.external_interface.endsWith('+') && !findInterface(now.net, a.external_interface)) {
      const names = now.net.list.map((i) => i.name);
      throw new Error(`external_interface '${a.external_interface}' does not exist on this host${didYouMean(a.external_interface, names)}; interfaces here: ${names.join(', ')}; rules on a missing interface would block nothing`);
    }
    const { bins, notes } = families(a, now);
    for (const [bin, c] of bins) {
      if (!c.available && c.nftOnly) throw new Error(`${bin} is not installed and nft is: an nftables-only host has no DOCKER-USER chain; fleet does not write the equivalent nft table yet: install the iptables package (dockerd's iptables backend needs it), or filter in your own \`table inet\` with a forward-hook chain`);
      if (!c.available) throw new Error(`${bin} is not installed: install the iptables package, or drop ${bin === 'ip6tables' ? 'ipv6' : 'ipv4'} from ip_versions`);
      if (c.exists) continue;
      if (!now.docker.running) throw new Error(`${bin} has no DOCKER-USER chain and dockerd is not running: start docker first (it creates the chain)`);
      if (Number(now.docker.version.split('.')[0]) >= 29) throw new Error(`${bin} has no DOCKER-USER chain and docker is ${now.docker.version}: Docker 29 with the nftables firewall backend has none; ${NFT_HELP}`);
      throw new Error(`${bin} has no DOCKER-USER chain: ${bin === 'ip6tables' ? 'Docker creates it from version 27 on, with "ip6tables" on (the default there); leave ip_versions unset to filter IPv6 only where the chain exists' : 'is dockerd running with "iptables": false?'}`);
    }
    for (const [bin, c] of bins) if (!c.forwardJump) notes.push(`${bin}: FORWARD does not jump to DOCKER-USER, so these rules filter nothing until it does (${bin === 'ip6tables' ? 'Docker >= 27 adds it when it starts with "ip6tables" on' : 'dockerd adds it when it starts with "iptables" on'})`);
    const compiled = bins.map(([b]) => [b, compileRules(a, b)] as [IpBinary, string[][]]);
    const changes: Change[] = [];
    if (!bins.every(([, c], i) => inPlace(c.listing, compiled[i]![1]))) {
      const counts = compiled.map(([b, rs]) => `${b}: ${rs.length} rules`).join(', ');
      const listing = (f: (c: ChainState, rules: string[][]) => string[]) => compiled.map(([b, rs], i) => `# ${b} -S DOCKER-USER\n${f(bins[i]![1], rs).join('\n')}\n`).join('');
      const before: Partial<Record<4 | 6, ChainPolicy>> = {};
      const after: Partial<Record<4 | 6, ChainPolicy>> = {};
      for (const [b, c] of bins) {
        const f = b === 'ip6tables' ? 6 : 4;
        before[f] = policyInChain(c.listing);
        after[f] = policyFor(a, f);
      }
      const impact = firewallImpact(a.external_interface, now.published, before, after);
      changes.push({
        summary: `set the DOCKER-USER rules (${counts}): replies, ${sourcesText(a, bins)}, ${a.allowed_ports.length} allowed ports, then drop on ${a.external_interface}`,
        diff: { path: 'DOCKER-USER', before: listing((c) => c.listing), after: listing((c, rs) => chainAfter(c.listing, rs)) },
        steps: [applySteps(compiled)],
        invalidates: keys,
        ...(notes.length ? { warnings: [...notes] } : {}),
        ...(impact.length ? { impact } : {}),
      });
    }
    if (a.persist) changes.push(...planPersist(applyScript(compiled), now, changes));
    if (changes.length) {
      // the IPv6 notes travel with the first change when the rules themselves are in place
      if (!changes[0]!.warnings && notes.length) changes[0]!.warnings = [...notes];
      return changes;
    }
    const reason = `DOCKER-USER starts with fleet's rules in order (${compiled.map(([b, rs]) => `${b}: ${rs.length}`).join(', ')})${a.persist && now.dockerSvc.manager === 'systemd' ? ', re-applied after every docker start' : ''}`;
    return { ok: notes.length ? `${reason}; ${notes.join('; ')}` : reason };
  },
});

/** The families to filter, and what the plan must say about the ones it leaves out: unset
 *  ip_versions means IPv4 plus IPv6 wherever ip6tables has the chain. */
function families(a: { ip_versions?: ('ipv4' | 'ipv6')[]; allowed_sources: string[]; allowed_ports: string[] }, now: Now): { bins: [IpBinary, ChainState][]; notes: string[] } {
  const notes: string[] = [];
  const v6Sources = a.allowed_sources.filter((s) => parseCidr(s).family === 6);
  let wanted = a.ip_versions ? [...new Set(a.ip_versions)] : ['ipv4' as const];
  if (!a.ip_versions) {
    if (now.v6.available && now.v6.exists) wanted = ['ipv4', 'ipv6'];
    else notes.push(`IPv6 not filtered: ${now.v6.available ? 'ip6tables has no DOCKER-USER chain (Docker creates one from version 27 on; older ones do not filter IPv6 there)' : now.v6.nftOnly ? 'ip6tables is not installed (nftables only here)' : 'ip6tables is not installed'}, so ports published over IPv6, if any, stay open to everyone${v6Sources.length ? `; the IPv6 allowed sources (${v6Sources.join(', ')}) are not used` : ''}`);
  } else if (!wanted.includes('ipv6') && now.v6.available && now.v6.exists) {
    notes.push('IPv6 not filtered: ip6tables has a DOCKER-USER chain but ip_versions leaves out ipv6, so ports published over IPv6 stay open to everyone (leave ip_versions unset, or add ipv6)');
  }
  const bins = wanted.map((v): [IpBinary, ChainState] => (v === 'ipv6' ? ['ip6tables', now.v6] : ['iptables', now.v4]));
  // a family that gets none of the allowed sources still gets the drop: say so
  if (a.allowed_sources.length) {
    for (const [b] of bins) {
      const fam = b === 'ip6tables' ? 6 : 4;
      if (!a.allowed_sources.some((s) => parseCidr(s).family === fam)) notes.push(`${b}: none of the allowed sources is IPv${fam}, so over IPv${fam} published ports answer from outside only on the allowed ports (${a.allowed_ports.length ? a.allowed_ports.join(', ') : 'none'})`);
    }
  }
  return { bins, notes };
}

/** '2 allowed sources' with the split per family when both are filtered: 'IPv4: 1, IPv6: none'. */
function sourcesText(a: { allowed_sources: string[] }, bins: [IpBinary, ChainState][]): string {
  const n = a.allowed_sources.length;
  const head = `${n} allowed sources`;
  if (bins.length < 2) return head;
  const v6 = a.allowed_sources.filter((s) => parseCidr(s).family === 6).length;
  const part = (k: number) => (k ? String(k) : 'none');
  return `${head} (IPv4: ${part(n - v6)}, IPv6: ${part(v6)})`;
}

/** The boot script and the unit, from the same compiled rules; without systemd only a warning. */
function planPersist(script: string, now: Now, live: Change[]): Change[] {
  if (now.dockerSvc.manager !== 'systemd') {
    for (const c of live) c.warnings = [...(c.warnings ?? []), 'no systemd here: the rules will not survive a reboot or a docker restart (persist needs systemd; set persist: false to silence this)'];
    return [];
  }
  const out: Change[] = [];
  const s = planContent(SCRIPT, now.script, script, { mode: '0755' });
  const u = planContent(UNIT, now.unit, UNIT_TEXT, { mode: '0644' });
  if (!isOk(s)) out.push(...s.map((c) => ({ ...c, summary: `boot script: ${c.summary}` })));
  if (!isOk(u)) out.push(...u.map((c) => ({ ...c, summary: `systemd unit: ${c.summary}` })));
  // started too: RemainAfterExit keeps it active, so a docker stop/restart reaches it (PartOf)
  if (out.length || !now.svc.exists || !now.svc.enabled || !now.svc.active) {
    out.push({ summary: 'enable and start fleet-docker-user.service (runs after every docker start)', steps: [sh`systemctl daemon-reload`, sh`systemctl enable fleet-docker-user.service >/dev/null 2>&1`, sh`systemctl start fleet-docker-user.service`], invalidates: ['service:fleet-docker-user'] });
  }
  return out;
}

function planAbsent(now: Now, keys: string[]): { ok: string } | Change[] {
  const changes: Change[] = [];
  const present = (['iptables', 'ip6tables'] as const).filter((b) => fleetComments((b === 'iptables' ? now.v4 : now.v6).listing).length > 0);
  if (present.length) changes.push({ summary: `remove fleet's DOCKER-USER rules (${present.join(', ')})`, steps: [removeSteps(present)], invalidates: keys });
  if (now.unit.exists || now.script.exists) {
    changes.push({
      summary: `remove ${UNIT} and ${SCRIPT}`,
      steps: [sh`systemctl disable fleet-docker-user.service >/dev/null 2>&1 || true`, backup(UNIT), backup(SCRIPT), sh`rm -f ${UNIT} ${SCRIPT}`, sh`systemctl daemon-reload 2>/dev/null || true`],
      invalidates: keys,
    });
  }
  return changes.length ? changes : { ok: 'no fleet DOCKER-USER rules, unit or script here' };
}
