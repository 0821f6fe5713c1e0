// Proxmox guest discovery (`proxmox_discover: lxc` on a node host): parse `pct list` and
// `pct config` (formats of pve-container's src/PVE/CLI/pct.pm) and add the guests as pct hosts.
// Pure: the engine (engine/discover.ts) runs the script on each node.
import { invalid } from '../errors.js';
import type { Vars } from '../types.js';
import { newGroup, type Inventory } from './model.js';

export interface PctListRow {
  vmid: number;
  status: string;
  lock: string;
  name: string;
}

export interface DiscoveredGuest extends PctListRow {
  /** `pct config` keys (main section: snapshots are not listed) */
  config: Record<string, string>;
}

export interface NodeGuests {
  node: string;
  guests: DiscoveredGuest[];
}

const SECTION = '@@fleet-pct-config ';

/** One round trip per node: the list, then each guest's config behind a marker line. */
export const DISCOVERY_SCRIPT = `l=$(pct list) || exit $?
printf '%s\\n' "$l"
for id in $(printf '%s\\n' "$l" | sed -n '2,$s/^\\([0-9][0-9]*\\) .*/\\1/p'); do
  printf '${SECTION}%s\\n' "$id"
  pct config "$id" || exit $?
done
`;

/** `printf("%-10s %-10s %-12s %-20s\\n", vmid, status, lock, name)` after a header line; an empty
 *  list prints nothing at all. */
export function parsePctList(text: string): PctListRow[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (!lines.length) return [];
  if (!/^VMID\s+Status\s+Lock\s+Name\s*$/.test(lines[0]!)) throw new Error(`pct list: unexpected header ${JSON.stringify(lines[0])}`);
  return lines.slice(1).map((l) => {
    const vmid = Number(l.slice(0, 10).trim());
    if (!Number.isInteger(vmid) || vmid <= 0) throw new Error(`pct list: unexpected line ${JSON.stringify(l)}`);
    // fixed columns; a long value pushes the rest right, so fall back to words
    const words = l.trim().split(/\s+/);
    const fixed = l.length > 35 && l[10] === ' ' && l[21] === ' ' && l[34] === ' ';
    return fixed
      ? { vmid, status: l.slice(11, 21).trim(), lock: l.slice(22, 34).trim(), name: l.slice(35).trim() }
      : { vmid, status: words[1] ?? '', lock: words.length > 3 ? words[2]! : '', name: words[words.length - 1] ?? '' };
  });
}

/** `key: value` lines. */
export function parsePctConfig(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of text.split('\n')) {
    const i = l.indexOf(': ');
    if (i > 0) out[l.slice(0, i)] = l.slice(i + 2);
  }
  return out;
}

export function parseDiscovery(stdout: string): DiscoveredGuest[] {
  const [list = '', ...sections] = stdout.split(`\n${SECTION}`);
  const configs = new Map<number, Record<string, string>>();
  for (const s of sections) {
    const nl = s.indexOf('\n');
    configs.set(Number(s.slice(0, nl < 0 ? undefined : nl)), parsePctConfig(nl < 0 ? '' : s.slice(nl + 1)));
  }
  return parsePctList(list.startsWith(SECTION) ? '' : list).map((r) => ({ ...r, config: configs.get(r.vmid) ?? {} }));
}

const groupName = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');
const features = (v: string | undefined) => new Map((v ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));

/** The vars fleet gives a discovered guest (as the issue names them). */
export function guestVars(node: string, g: DiscoveredGuest): Vars {
  const tags = (g.config.tags ?? '').split(/[;, ]/).filter(Boolean);
  return {
    ansible_connection: 'pct',
    proxmox_node: node,
    vmid: g.vmid,
    pve_hostname: g.config.hostname ?? g.name,
    pve_status: g.status,
    pve_lock: g.lock || undefined,
    pve_nesting: features(g.config.features).get('nesting') === '1',
    pve_unprivileged: g.config.unprivileged === '1',
    pve_ostype: g.config.ostype,
    pve_tags: tags,
  };
}

/** Adds every node's guests: named by Proxmox hostname, or by vmid where a name is taken or shared
 *  (by every guest sharing it, so names do not depend on order); groups proxmox_lxc,
 *  proxmox_node_<node>, proxmox_running / proxmox_stopped, pve_tag_<tag>. Group vars the
 *  inventory sets for those groups apply; the guest's discovered vars win over them. */
export function addGuests(inv: Inventory, found: readonly NodeGuests[], extraVars: Vars = {}): Inventory {
  const all = found.flatMap((f) => f.guests.map((g) => ({ node: f.node, g, vars: guestVars(f.node, g) })));
  const count = new Map<string, number>();
  for (const x of all) count.set(String(x.vars.pve_hostname), (count.get(String(x.vars.pve_hostname)) ?? 0) + 1);
  const hosts = new Map(inv.hosts);
  const groups = new Map([...inv.groups].map(([k, g]) => [k, { ...g, hosts: [...g.hosts], children: [...g.children] }]));
  const parents = (name: string): string[] => [...groups.values()].filter((p) => p.children.includes(name)).map((p) => p.name);
  for (const { node, g, vars } of all) {
    const hn = String(vars.pve_hostname);
    let name = count.get(hn) === 1 && !hosts.has(hn) && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(hn) ? hn : String(g.vmid);
    if (hosts.has(name)) name = `${node}-${g.vmid}`;
    if (hosts.has(name)) throw invalid(`proxmox discovery on ${node}: guest ${g.vmid} has no free inventory name (${hn}, ${g.vmid} and ${name} are taken)`);
    const direct = ['proxmox_lxc', `proxmox_node_${groupName(node)}`, g.status === 'running' ? 'proxmox_running' : 'proxmox_stopped', ...(vars.pve_tags as string[]).map((t) => `pve_tag_${groupName(t)}`)];
    for (const d of direct) {
      let grp = groups.get(d);
      if (!grp) {
        groups.set(d, (grp = newGroup(d)));
        groups.get('all')!.children.push(d);
      }
      grp.hosts.push(name);
    }
    // all, then parents before children, then the guest's own
    const member: string[] = [];
    const visit = (n: string) => {
      for (const p of parents(n)) if (!member.includes(p)) visit(p);
      if (!member.includes(n)) member.push(n);
    };
    direct.forEach(visit);
    const merged: Vars = {};
    for (const gname of ['all', ...member.filter((m) => m !== 'all')]) Object.assign(merged, groups.get(gname)?.vars ?? {});
    const groupNames = member.filter((m) => m !== 'all').sort();
    for (const [k, v] of Object.entries(vars)) if (v !== undefined) merged[k] = v;
    Object.assign(merged, extraVars, { inventory_hostname: name, group_names: groupNames });
    hosts.set(name, { name, vars: merged, groups: groupNames });
  }
  return { ...inv, hosts, groups };
}
