// One thing on each selected host, for the commands that are no playbook run (`fleet run`,
// `fleet facts`, `fleet rollback`): connect
// as a run would (inventory vars, ~/.ssh/config, become), bounded concurrency, a failing host
// never stops the others.
import { ExitCode, FleetError } from '../errors.js';
import { becomeOf, selectHosts, toConnectionSpec, type Inventory } from '../inventory/index.js';
import { TransportError } from '../transport/transport.js';
import { mapPool } from '../util/pool.js';
import { ConnectionPool } from './connections.js';
import { Remote } from './remote.js';

export type HostOutcome<R> = { host: string; ok: true; value: R } | { host: string; ok: false; unreachable: boolean; error: string };

export interface EachHostOptions {
  forks: number;
  /** true: use sudo whatever the inventory says; undefined: as the inventory says */
  become?: boolean;
  becomePassword?: string;
  /** connections to reuse across calls (closed by the caller); default: this call's own */
  pool?: ConnectionPool;
}

/** The hosts `limit` selects; none is invalid input (a typo must not look like a quiet fleet). */
export function selected(inventory: Inventory, limit: string | undefined): string[] {
  const hosts = selectHosts(inventory, limit ?? 'all');
  if (!hosts.length) throw new FleetError(`no hosts matched --limit ${limit ?? 'all'}`, ExitCode.invalidInput);
  return hosts;
}

export async function eachHost<R>(inventory: Inventory, hosts: readonly string[], o: EachHostOptions, fn: (remote: Remote, host: string) => Promise<R>): Promise<HostOutcome<R>[]> {
  const pool = o.pool ?? new ConnectionPool();
  try {
    return await mapPool(hosts, o.forks, async (host): Promise<HostOutcome<R>> => {
      const vars = inventory.hosts.get(host)?.vars ?? {};
      try {
        const b = becomeOf(vars);
        const remote = new Remote(await pool.get(host, toConnectionSpec(vars, (n) => inventory.hosts.get(n)?.vars)), { enabled: o.become ?? b.become, user: b.becomeUser, password: o.becomePassword });
        return { host, ok: true, value: await fn(remote, host) };
      } catch (e) {
        return { host, ok: false, unreachable: e instanceof TransportError, error: (e as Error).message };
      }
    });
  } finally {
    if (!o.pool) await pool.closeAll();
  }
}
