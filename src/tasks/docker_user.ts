// Docker publishes ports through FORWARD, never INPUT, so ufw and friends do not see them. This
// task owns the top of the DOCKER-USER chain: established traffic first, then the allows, then a
// drop for the external interface; a systemd unit ordered after docker puts them back after a
// reboot or a docker restart.
import { defineTask, isOk, type Change } from '../types.js';
import { bool, doc, list, object, oneOf, string, withDefault } from '../schema/schema.js';
import { backup, raw, sh } from '../shell/sh.js';
import { fileFact } from '../facts/file.js';
import { dockerUserChainFact, type ChainState } from '../facts/docker_user.js';
import { serviceFact } from '../facts/service.js';
import type { IpBinary } from '../facts/iptables.js';
import { currentText, planContent } from './lib/content.js';
import { parseJsonFile } from './lib/json-merge.js';
import { applyScript, compileRules, inPlace, removeScript } from './lib/docker-user-rules.js';

const SCRIPT = '/usr/local/sbin/fleet-docker-user';
const UNIT = '/etc/systemd/system/fleet-docker-user.service';
const UNIT_TEXT = `[Unit]
Description=fleet: DOCKER-USER firewall rules
After=docker.service
PartOf=docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${SCRIPT}

[Install]
WantedBy=docker.service
`;

export const dockerUserTask = defineTask({
  type: 'docker_user',
  description: 'Firewall for published container ports: DOCKER-USER rules compiled from a policy (established first, then allowed sources and ports, then drop on the external interface), for iptables and ip6tables, re-applied by a systemd unit after docker starts.',
  args: object({
    external_interface: doc(string(), 'interface facing the outside, e.g. eth0'),
    allowed_sources: doc(withDefault(list(string()), []), 'CIDRs that may reach every published port'),
    allowed_ports: doc(withDefault(list(string()), []), "host ports anyone may reach: 443, 'tcp/443', 'udp/53'"),
    ip_versions: doc(withDefault(list(oneOf(['ipv4', 'ipv6'])), ['ipv4']), 'ipv4 (iptables), ipv6 (ip6tables), or both'),
    persist: doc(withDefault(bool(), true), 'install the systemd unit that re-applies the rules after docker starts'),
    state: doc(withDefault(oneOf(['present', 'absent']), 'present'), 'absent removes fleet\'s rules, the unit and the script'),
  }),
  facts: (a) => ({
    v4: dockerUserChainFact('iptables'),
    v6: dockerUserChainFact('ip6tables'),
    daemon: fileFact('/etc/docker/daemon.json'),
    script: fileFact(SCRIPT),
    unit: fileFact(UNIT),
    svc: serviceFact('fleet-docker-user'),
    systemd: serviceFact('docker'),
  }),
  plan(a, now) {
    const bins: [IpBinary, ChainState][] = a.ip_versions.map((v) => (v === 'ipv6' ? ['ip6tables', now.v6] : ['iptables', now.v4]));
    const daemonText = now.daemon.exists ? currentText('/etc/docker/daemon.json', now.daemon) : undefined;
    const backend = daemonText ? (parseJsonFile('/etc/docker/daemon.json', daemonText) as Record<string, unknown>)['firewall-backend'] : undefined;
    const keys = ['docker-user:iptables', 'docker-user:ip6tables', `file:${SCRIPT}`, `file:${UNIT}`, 'service:fleet-docker-user'];
    if (a.state === 'absent') {
      const present = bins.some(([, c]) => c.listing.some((l) => l.includes('fleet-docker-user:')));
      const changes: Change[] = [];
      if (present) changes.push({ summary: 'remove fleet\'s DOCKER-USER rules', steps: [raw(removeScript(bins.map(([b]) => b)))], invalidates: keys });
      if (now.unit.exists || now.script.exists) changes.push({ summary: `remove ${UNIT} and ${SCRIPT}`, steps: [sh`systemctl disable fleet-docker-user.service >/dev/null 2>&1 || true`, backup(UNIT), backup(SCRIPT), sh`rm -f ${UNIT} ${SCRIPT}`, sh`systemctl daemon-reload 2>/dev/null || true`], invalidates: keys });
      return changes.length ? changes : { ok: 'no fleet DOCKER-USER rules here' };
    }
    if (backend === 'nftables') throw new Error('docker uses the nftables firewall backend ("firewall-backend": "nftables" in daemon.json): there is no DOCKER-USER chain. fleet does not write the equivalent nft table yet; add a table inet with a forward-hook chain by hand, or switch the backend to iptables');
    for (const [bin, c] of bins) {
      if (!c.available) throw new Error(`${bin} is not installed`);
      if (!c.exists) throw new Error(`${bin} has no DOCKER-USER chain${c.nftBackend ? ' (nf_tables backend)' : ''}: is dockerd running with its iptables integration on?`);
    }
    const compiled = bins.map(([b]) => [b, compileRules(a, b)] as [IpBinary, string[][]]);
    const script = applyScript(compiled);
    const changes: Change[] = [];
    const live = bins.every(([, c], i) => inPlace(c.listing, compiled[i]![1]));
    if (!live) {
      const order = compiled.map(([b, rs]) => `${b}: ${rs.length} rules`).join(', ');
      changes.push({ summary: `set the DOCKER-USER rules (${order}): established, ${a.allowed_sources.length} allowed sources, ${a.allowed_ports.length} allowed ports, then drop on ${a.external_interface}`, diff: { path: `DOCKER-USER (${bins.map(([b]) => b).join(', ')})`, before: bins.map(([, c]) => c.listing.join('\n')).join('\n') + '\n', after: `${script}` }, steps: [raw(script.split('\n').slice(2).join('\n'))], invalidates: keys });
    }
    if (a.persist) {
      if (!now.systemd.exists || now.systemd.manager !== 'systemd') {
        for (const c of changes) c.warnings = ['no systemd here: the rules will not survive a reboot or a docker restart (persist needs systemd)'];
      } else {
        const s = planContent(SCRIPT, now.script, script, { mode: '0755' });
        const u = planContent(UNIT, now.unit, UNIT_TEXT, { mode: '0644' });
        if (!isOk(s)) changes.push(...s.map((c) => ({ ...c, summary: `boot script: ${c.summary}` })));
        if (!isOk(u)) changes.push(...u.map((c) => ({ ...c, summary: `systemd unit: ${c.summary}` })));
        if (!isOk(u) || !isOk(s) || !now.svc.exists || !now.svc.enabled) changes.push({ summary: 'enable fleet-docker-user.service (runs after every docker start)', steps: [sh`systemctl daemon-reload`, sh`systemctl enable fleet-docker-user.service >/dev/null 2>&1`], invalidates: ['service:fleet-docker-user'] });
      }
    }
    return changes.length ? changes : { ok: `DOCKER-USER starts with fleet's ${compiled[0]![1].length} rules in order${a.persist ? ', re-applied after docker starts' : ''}` };
  },
});
