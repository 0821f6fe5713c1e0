// `ansible_connection: pct`: an LXC guest reached through `pct exec` on its Proxmox node, which is
// an inventory host of its own (reached over SSH as usual).
import { invalid } from '../errors.js';
import type { ConnectionSpec } from '../transport/transport.js';
import type { Vars } from '../types.js';

/** sshd allows 10 sessions per connection by default; leave room for the node's own tasks */
export const DEFAULT_MAX_SESSIONS = 8;

export type HostVarsLookup = (host: string) => Vars | undefined;

interface Parsers {
  host: string;
  str(...names: string[]): string | undefined;
  num(names: string[], min: number, max: number, what: string): number | undefined;
}

/** The guest's spec; without `lookup` (load-time checks) the node is not resolved yet. */
export function pctSpec(
  p: Parsers,
  lookup: HostVarsLookup | undefined,
  nodeSpecOf: (vars: Vars) => ConnectionSpec,
  becomeOn: (vars: Vars) => boolean,
): ConnectionSpec {
  const vmid = p.num(['vmid', 'proxmox_vmid'], 100, 999_999_999, 'the guest\'s Proxmox VMID (an integer 100-999999999)');
  if (vmid === undefined || !Number.isInteger(vmid)) throw invalid(`host '${p.host}': connection pct needs vmid (the guest's Proxmox VMID, an integer 100-999999999)`);
  const node = p.str('proxmox_node');
  if (!node) throw invalid(`host '${p.host}': connection pct needs proxmox_node (the inventory host of the guest's Proxmox node)`);
  const base: ConnectionSpec = { connection: 'pct', host: node, port: 22, identityFiles: [] };
  if (!lookup) return base;
  const nodeVars = lookup(node);
  if (!nodeVars) throw invalid(`host '${p.host}': proxmox_node '${node}' is not a host of the inventory`);
  const withName: Vars = { ...nodeVars, inventory_hostname: node };
  const nodeSpec = nodeSpecOf(withName);
  if (nodeSpec.connection === 'pct') throw invalid(`host '${p.host}': proxmox_node '${node}' is itself a pct guest; a node is reached over SSH`);
  const max = Number(withName.proxmox_max_sessions ?? DEFAULT_MAX_SESSIONS);
  if (!Number.isInteger(max) || max < 1 || max > 1000) throw invalid(`host '${node}': proxmox_max_sessions is ${JSON.stringify(withName.proxmox_max_sessions)}; use an integer 1-1000 (at most sshd's MaxSessions)`);
  return {
    ...base,
    host: nodeSpec.host,
    port: nodeSpec.port,
    user: nodeSpec.user,
    pct: { vmid, node, nodeSpec, sudo: becomeOn(withName) && nodeSpec.user !== 'root', maxSessions: max },
  };
}
