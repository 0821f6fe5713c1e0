// `fleet runs`, `fleet runs show ID`, `fleet rollback ID`: the journal and the way back.
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { ExitCode, FleetError } from '../errors.js';
import { ConnectionPool } from '../engine/connections.js';
import { discoverGuests } from '../engine/discover.js';
import { abandonedOn, Journal, runState, stateNote } from '../engine/journal.js';
import { eachHost } from '../engine/each-host.js';
import { capList } from '../report/groups.js';
import { rollbackHost } from '../engine/rollback.js';
import type { RollbackReport } from '../engine/results.js';
import { loadInventory, selectHosts, type Inventory } from '../inventory/index.js';
import type { Playbook } from '../playbook/model.js';
import { confirmYes } from './prompt.js';
import type { CliIO } from './io.js';
import { countsText, rolloutLines } from '../report/format.js';
import { styleFor } from '../report/style.js';

// the recap's rendering of counts, so both say the same
const PLAIN = styleFor(false);

const journalOf = (dir?: string) => new Journal(dir);

/** Before a run: one line per earlier apply that died while working on some of these hosts. The
 *  newest 200 entries are looked at (a run that old has long been noted). */
export function noteAbandoned(io: CliIO, hosts: readonly string[], dir?: string): void {
  for (const { entry, hosts: cut } of abandonedOn(journalOf(dir).list({ recent: 200, running: true }), hosts)) {
    io.stderr.write(`fleet: note: run ${entry.id} (apply of ${entry.playbook}, started ${entry.startedAt}) was abandoned before it finished on ${capList(cut, 5)}; ${cut.length === 1 ? 'its' : 'their'} state may be partly changed (backups kept): see \`fleet runs show ${entry.id}\`\n`);
  }
}

/** The hosts a playbook's plays select, within --limit. */
export function hostsOfPlays(playbook: Playbook, inventory: Inventory, limit?: string): string[] {
  const limited = limit ? new Set(selectHosts(inventory, limit)) : undefined;
  return [...new Set(playbook.plays.flatMap((p) => selectHosts(inventory, p.hosts)))].filter((h) => !limited || limited.has(h));
}

export interface RunFilter {
  /** the newest N that match */
  last?: number;
  /** as shown: running, finished, stopped, abandoned, running? */
  state?: string;
  /** a part of the playbook's path */
  playbook?: string;
  /** runs of every user of a shared journal (default: this user's, and runs that name no user) */
  allUsers?: boolean;
}

const STATES = ['running', 'finished', 'stopped', 'abandoned', 'running?'];

export function listRuns(io: CliIO, dir?: string, f: RunFilter = {}): number {
  if (f.state !== undefined && !STATES.includes(f.state)) throw new FleetError(`--state must be one of ${STATES.join(', ')}, got '${f.state}'`, ExitCode.invalidInput);
  const me = userInfo().username;
  const all = journalOf(dir).list();
  const runs = all
    .filter((r) => f.allUsers || !r.controller?.user || r.controller.user === me)
    .filter((r) => f.state === undefined || runState(r) === f.state)
    .filter((r) => f.playbook === undefined || r.playbook.includes(f.playbook))
    .slice(0, f.last ?? Infinity);
  if (runs.length === 0) {
    io.stdout.write(all.length ? `no run matches (${all.length} recorded in ${journalOf(dir).dir})\n` : 'no runs recorded yet\n');
    return ExitCode.ok;
  }
  for (const r of runs) {
    const n = (s: string) => r.hosts.filter((h) => h.status === s).length;
    const state = runState(r);
    const where = state === 'running?' ? ` (controller ${r.controller?.host ?? 'unknown'})` : '';
    const who = f.allUsers && r.controller?.user ? `  by ${r.controller.user}` : '';
    io.stdout.write(`${r.id}  ${r.mode.padEnd(5)}  ${state.padEnd(9)}  ${r.hosts.length} hosts (changed ${n('changed')}, failed ${n('failed')}, refused ${n('refused')}, unreachable ${n('unreachable')}, stopped ${n('stopped')})  ${r.playbook}${where}${who}\n`);
  }
  return ExitCode.ok;
}

export function showRun(io: CliIO, id: string, json: boolean, dir?: string): number {
  const r = journalOf(dir).read(id);
  const state = runState(r);
  const note = stateNote(r);
  if (json) {
    // the recorded state stays as written; `status` is what it means now
    io.stdout.write(`${JSON.stringify({ ...r, status: state, ...(note ? { statusNote: note } : {}) }, null, 2)}\n`);
    return ExitCode.ok;
  }
  io.stdout.write(`run ${r.id} (${r.mode}, ${state}) ${r.playbook}\nstarted ${r.startedAt}${r.finishedAt ? `, finished ${r.finishedAt}` : ''}${r.controller ? ` by pid ${r.controller.pid} on ${r.controller.host}` : ''}\n`);
  if (note) io.stdout.write(`${note}\n`);
  if (r.stopReason) io.stdout.write(`stopped: ${r.stopReason}\n`);
  const hostState = (s: string) => (s === 'running' && state === 'abandoned' ? 'abandoned (outcome unknown)' : s);
  for (const h of r.hosts) io.stdout.write(`  ${h.host.padEnd(24)} ${hostState(h.status)}${h.counts ? `  ${countsText(h.counts, PLAIN)}` : ''}${h.backups ? `  backups: ${h.backups}` : ''}${h.error ? `\n    ${h.error}` : ''}\n`);
  // batches, gates and the decision after each, as the recap printed them
  if (r.mode === 'apply' || r.stopReason) for (const l of rolloutLines(r.rollout ?? [], PLAIN)) io.stdout.write(`${l}\n`);
  for (const rb of r.rollbacks ?? []) for (const h of rb.hosts) io.stdout.write(`  rolled back ${h.host} at ${rb.at}: restored ${h.restored.length}${h.failed.length ? `, could not restore: ${h.failed.join('; ')}` : ''}\n`);
  return ExitCode.ok;
}

export async function rollbackRun(io: CliIO, id: string, o: { inventory?: string; limit?: string; become?: boolean; becomePassword?: string; forks: number; check?: boolean; yes?: boolean }): Promise<number> {
  const journal = journalOf();
  const entry = journal.read(id);
  if (entry.mode !== 'apply') throw new FleetError(`run ${id} was a dry run (${entry.mode}); nothing to roll back`, ExitCode.invalidInput);
  const invFile = o.inventory ? resolve(io.cwd, o.inventory) : entry.inventory;
  if (!invFile) throw new FleetError(`run ${id} has no inventory recorded; give one with -i`, ExitCode.invalidInput);
  // guests of proxmox_discover nodes are hosts of the run too
  const found = await discoverGuests(loadInventory(invFile));
  for (const f of found.failures) io.stderr.write(`fleet: proxmox discovery on ${f.node} failed: ${f.error}; its guests are left out\n`);
  const inventory = found.inventory;
  const wanted = new Set(o.limit ? selectHosts(inventory, o.limit) : inventory.hosts.keys());
  const hosts = entry.hosts.map((h) => h.host).filter((h) => wanted.has(h) && inventory.hosts.has(h));
  if (hosts.length === 0) throw new FleetError(`no host of run ${id} matches${o.limit ? ` --limit ${o.limit} in` : ''} ${invFile}`, ExitCode.invalidInput);
  const pool = new ConnectionPool();
  try {
    const each = async (check: boolean) =>
      (await eachHost(inventory, hosts, { forks: o.forks, become: o.become, becomePassword: o.becomePassword, pool }, (remote, host) => rollbackHost(host, remote, id, check))).map((r): RollbackReport => (r.ok ? r.value : { host: r.host, restored: [], failed: [], error: r.error }));
    // first what it will do, per host (one read of each host's manifest); then, confirmed, do it
    const plan = await each(true);
    const todo = plan.filter((r) => r.planned?.length);
    for (const r of plan) {
      if (r.planned?.length) io.stdout.write(`${r.host}: will ${r.planned.length === 1 ? '' : `(${r.planned.length}) `}${r.planned.join('; ')}\n`);
      if (r.failed.length) io.stdout.write(`${r.host}: will not restore: ${r.failed.join('; ')}\n`);
      if (r.error) io.stdout.write(`${r.host}: ${r.error}\n`);
    }
    const unreachable = plan.some((r) => r.error && !/^already rolled back|^nothing recorded/.test(r.error));
    io.stdout.write(`Rollback of run ${id}: ${todo.length} of ${plan.length} host${plan.length === 1 ? '' : 's'} to restore, ${todo.reduce((n, r) => n + r.planned!.length, 0)} changes to undo.\n`);
    if (o.check || todo.length === 0) return unreachable ? ExitCode.failedHosts : ExitCode.ok;
    if (!o.yes) {
      if (!io.stdin.isTTY) throw new FleetError('fleet rollback changes hosts: without a terminal it needs --yes (see what it does with --check)', ExitCode.refused);
      if (!(await confirmYes(`Roll back run ${id} on ${todo.length} host${todo.length === 1 ? '' : 's'}? Only 'yes' will be accepted to approve.\n  Enter a value: `, io.stdin, io.stdout))) {
        io.stdout.write('rollback cancelled: nothing changed\n');
        return ExitCode.refused;
      }
    }
    const results = await each(false);
    let code: number = ExitCode.ok;
    for (const r of results) {
      io.stdout.write(`${r.host}: restored ${r.restored.length}${r.restored.length ? ` (${r.restored.join('; ')})` : ''}\n`);
      if (r.failed.length) io.stdout.write(`${r.host}: could not restore: ${r.failed.join('; ')}\n`);
      if (r.error) io.stdout.write(`${r.host}: ${r.error}\n`);
      if (r.incomplete) io.stdout.write(`${r.host}: not marked rolled back: \`fleet rollback ${id}\` again retries what is left\n`);
      if (r.failed.length || (r.error && !/^already rolled back|^nothing recorded/.test(r.error))) code = ExitCode.failedHosts;
    }
    entry.rollbacks = [...(entry.rollbacks ?? []), { at: new Date().toISOString(), hosts: results.map((r) => ({ host: r.host, restored: r.restored, failed: [...r.failed, ...(r.error ? [r.error] : [])] })) }];
    journal.write(entry);
    return code;
  } finally {
    await pool.closeAll();
  }
}
