// Run-time guest discovery: every inventory host with `proxmox_discover: lxc` lists its guests
// (one round trip: pct list + pct config each); they join the inventory as pct hosts. A node that
// cannot be asked is reported and skipped: it never hides the other nodes' guests.
import { invalid } from '../errors.js';
import { becomeOf, toConnectionSpec, type Inventory } from '../inventory/index.js';
import { addGuests, DISCOVERY_SCRIPT, parseDiscovery, type NodeGuests } from '../inventory/proxmox-discovery.js';
import type { Vars } from '../types.js';
import { mapPool } from '../util/pool.js';
import { ConnectionPool } from './connections.js';
import { Remote } from './remote.js';

export interface DiscoveryFailure {
  node: string;
  error: string;
}

export function discoveryNodes(inv: Inventory): string[] {
  const out: string[] = [];
  for (const [name, h] of inv.hosts) {
    const v = h.vars.proxmox_discover;
    if (v === undefined || v === null || v === false) continue;
    const kinds = Array.isArray(v) ? v : [v];
    if (kinds.some((k) => k !== 'lxc')) throw invalid(`host '${name}': proxmox_discover is ${JSON.stringify(v)}; fleet discovers 'lxc' guests`);
    out.push(name);
  }
  return out;
}

export async function discoverGuests(inv: Inventory, opts: { forks?: number; becomePassword?: string; extraVars?: Vars; pool?: ConnectionPool } = {}): Promise<{ inventory: Inventory; failures: DiscoveryFailure[] }> {
  const nodes = discoveryNodes(inv);
  if (!nodes.length) return { inventory: inv, failures: [] };
  const pool = opts.pool ?? new ConnectionPool();
  const failures: DiscoveryFailure[] = [];
  try {
    const found = await mapPool(nodes, opts.forks ?? 20, async (node): Promise<NodeGuests | undefined> => {
      const vars = inv.hosts.get(node)!.vars;
      try {
        const b = becomeOf(vars);
        const remote = new Remote(await pool.get(node, toConnectionSpec(vars, (n) => inv.hosts.get(n)?.vars)), { enabled: b.become, user: 'root', password: opts.becomePassword });
        const r = await remote.run(DISCOVERY_SCRIPT);
        if (r.code !== 0) throw new Error(`pct failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0] ?? ''}`);
        return { node, guests: parseDiscovery(r.stdout) };
      } catch (e) {
        failures.push({ node, error: (e as Error).message });
        return undefined;
      }
    });
    return { inventory: addGuests(inv, found.filter((f): f is NodeGuests => f !== undefined), opts.extraVars), failures };
  } finally {
    if (!opts.pool) await pool.closeAll();
  }
}
