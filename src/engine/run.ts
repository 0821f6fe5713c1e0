// A playbook over an inventory: plays in order, hosts in parallel (bounded), each host isolated.
import { FleetError, ExitCode } from '../errors.js';
import { becomeOf, selectHosts, toConnectionSpec, type Inventory } from '../inventory/index.js';
import { withPlaybookDir } from '../inventory/resolve.js';
import { loadVarsFile } from '../playbook/load.js';
import type { Playbook } from '../playbook/model.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { TransportError } from '../transport/transport.js';
import type { Vars } from '../types.js';
import { mapPool } from '../util/pool.js';
import { ConnectionPool } from './connections.js';
import { DriftRefusal, runHostPlay, RemoteFailure, type PlanExpectation, type PlanMemo } from './host-play.js';
import { FileCache, prepareTask, resolveVars, type PreparedTask } from './prepare.js';
import { Remote } from './remote.js';
import { countTasks, isBadHost, summarize, type HostReport, type Listener, type Mode, type GateResult, type RollbackReport, type RolloutRecord, type RunEvent, type RunReport, type TaskResult } from './results.js';
import { backupHeader } from './backups.js';
import { batches } from './batches.js';
import { decideBatch, gateCommand, gateResult, gateText } from './rollout.js';
import { backupsOf, Journal, newRunId, thisController, type JournalEntry } from './journal.js';
import { rollbackHost } from './rollback.js';
import { resolve } from 'node:path';
import { registerNamedSecrets } from '../secrets/registry.js';
import { publicEvent, publicReport } from '../secrets/no-log.js';

export interface RunOptions {
  mode: Mode;
  registry: TaskRegistry;
  forks?: number;
  /** --limit pattern, intersected with each play's hosts */
  limit?: string;
  /** restrict to these hosts (after --limit) */
  onlyHosts?: string[];
  /** --tags: run only tasks with one of these tags (handlers are not filtered) */
  tags?: string[];
  extraVars?: Vars;
  becomePassword?: string;
  listener?: Listener;
  /** reuse connections across runs (check, then apply) */
  connections?: ConnectionPool;
  /** the run's id (default: a new one) */
  runId?: string;
  /** where runs are recorded; false: not recorded */
  journal?: Journal | false;
  /** recorded in the journal */
  inventoryFile?: string;
  /** apply a saved plan: per host, per play index, what the plan saw */
  expect?: Map<string, Record<number, PlanExpectation>>;
  /** the plays as preparePlays gave them for these options (a dry run's, reused by its apply) */
  prepared?: PreparedPlays;
  /** --debug: a host's internal error keeps its stack trace */
  debug?: boolean;
}

export type PreparedPlays = { play: Playbook['plays'][number]; hosts: HostPlan[] }[];

interface HostPlan {
  host: string;
  vars: Vars;
  tasks: PreparedTask[];
  handlers: PreparedTask[];
  health: PreparedTask[];
}

/** Everything that can be wrong with the input, found before the first connection. */
export function preparePlays(playbook: Playbook, inventoryAlone: Inventory, opts: Pick<RunOptions, 'registry' | 'limit' | 'tags' | 'extraVars' | 'onlyHosts'>): PreparedPlays {
  // group_vars/ and host_vars/ next to the playbook, as ansible-playbook reads them
  const inventory = withPlaybookDir(inventoryAlone, playbook.dir);
  const files = new FileCache(playbook.dir);
  const limited = opts.limit ? new Set(selectHosts(inventory, opts.limit)) : undefined;
  return playbook.plays.map((play) => {
    const fileVars = Object.assign({}, ...play.varsFiles.map((f) => loadVarsFile(resolve(playbook.dir, f), play.loc))) as Vars;
    const names = selectHosts(inventory, play.hosts).filter((h) => (!limited || limited.has(h)) && (!opts.onlyHosts || opts.onlyHosts.includes(h)));
    const tagged = play.tasks.filter((t) => !opts.tags?.length || t.tags.includes('always') || t.tags.some((x) => opts.tags!.includes(x)));
    const hosts = names.map((host) => {
      const inv = inventory.hosts.get(host)!;
      // lowest first: play defaults, inventory (group, host), play vars, vars_files, -e
      const vars = resolveVars({ ...play.defaults, ...inv.vars, ...play.vars, ...fileVars, ...opts.extraVars, inventory_hostname: host });
      // the naming rule (db_password, api_token…), on the merged and rendered variables
      registerNamedSecrets(vars);
      return {
        host,
        vars,
        tasks: tagged.map((t) => prepareTask(t, false, vars, opts.registry, files)),
        handlers: play.handlers.map((t) => prepareTask(t, true, vars, opts.registry, files)),
        health: play.health.map((t) => prepareTask(t, false, vars, opts.registry, files)),
      };
    });
    return { play, hosts };
  });
}

// a dry run's plans per prepared host, for the apply given the same prepared plays (host-play.ts)
const memos = new WeakMap<HostPlan, PlanMemo>();

// runs in progress, so a signal handler can record them as interrupted before the process exits
const active = new Set<() => RunReport>();
let lastInterrupt = 'interrupted (SIGINT)';

/** Record every run in progress as interrupted (synchronously: the caller is about to exit), and
 *  give back what each had reached, for a recap. */
export function interruptRuns(reason = 'interrupted (SIGINT)'): RunReport[] {
  lastInterrupt = reason;
  return [...active].map((f) => f());
}

export async function runPlaybook(playbook: Playbook, inventory: Inventory, opts: RunOptions): Promise<RunReport> {
  const started = Date.now();
  const only = opts.onlyHosts && new Set(opts.onlyHosts);
  const plays = opts.prepared?.map(({ play, hosts }) => ({ play, hosts: only ? hosts.filter((h) => only.has(h.host)) : hosts })) ?? preparePlays(playbook, inventory, opts);
  const pool = opts.connections ?? new ConnectionPool();
  // the engine's only way out: listeners see no_log applied and secrets redacted (src/secrets/)
  const listener = opts.listener;
  const emit = (e: RunEvent) => listener?.(publicEvent(e));
  const runId = opts.runId ?? newRunId();
  const journal = opts.journal === false ? undefined : (opts.journal ?? new Journal());
  const reports = new Map<string, HostReport>();
  const allHosts = [...new Set(plays.flatMap((p) => p.hosts.map((h) => h.host)))];
  if (allHosts.length === 0) throw new FleetError(`no hosts matched${opts.limit ? ` --limit ${opts.limit} and` : ''} the plays' hosts (${playbook.plays.map((p) => p.hosts).join('; ')}); the inventory's groups: ${groupList(inventory)}`, ExitCode.invalidInput);
  const report = (host: string): HostReport => {
    let r = reports.get(host);
    if (!r) {
      r = { host, status: 'ok', tasks: [], counts: countTasks([], 'ok'), execs: 0, durationMs: 0 };
      reports.set(host, r);
    }
    return r;
  };
  const entry: JournalEntry = { id: runId, mode: opts.mode, playbook: playbook.file, inventory: opts.inventoryFile, startedAt: new Date(started).toISOString(), state: 'running', controller: thisController(), hosts: allHosts.map((host) => ({ host, status: 'running', backups: backupsOf(runId, opts.mode) })) };
  // hosts being worked on when an interrupt lands: their remote script is cut off with the process
  const inFlight = new Set<string>();
  // a journal host line with what its report says so far (still `running` while worked on)
  const reported = (h: JournalEntry['hosts'][number]) => {
    const r = reports.get(h.host);
    return r && !inFlight.has(h.host) ? { ...h, status: r.status, counts: r.counts, error: r.error } : h;
  };
  let recorded = Date.now();
  let soon: NodeJS.Timeout | undefined;
  const record = () => {
    clearTimeout(soon);
    soon = undefined;
    recorded = Date.now();
    journal?.write({ ...entry, hosts: entry.hosts.map(reported) });
  };
  // as hosts finish, at most once a second: a run killed outright still shows which hosts it had done
  const recordSoon = () => {
    if (soon || !journal) return;
    soon = setTimeout(record, Math.max(0, 1000 - (Date.now() - recorded)));
    soon.unref();
  };
  record();
  // filled batch by batch: the journal (an interrupted run's too) and the report carry it
  const rollout: RolloutRecord[] = [];
  entry.rollout = rollout;
  const onInterrupt = () => {
    entry.state = 'stopped';
    entry.stopReason = lastInterrupt;
    entry.finishedAt = new Date().toISOString();
    const cut = (h: string) => inFlight.has(h) || !reports.has(h);
    const why = (h: string) => `${lastInterrupt}${inFlight.has(h) ? ' while running here' : ' before this host ran'}`;
    journal?.write({ ...entry, hosts: entry.hosts.map((h) => (cut(h.host) ? { ...h, status: 'stopped', error: why(h.host) } : reported(h))) });
    const hosts = allHosts.map((h): HostReport => (cut(h) ? { ...report(h), status: 'stopped', error: why(h) } : report(h)));
    return publicReport({ runId, mode: opts.mode, playbook: playbook.file, startedAt: entry.startedAt, durationMs: Date.now() - started, hosts, summary: summarize(hosts), stopped: lastInterrupt, rollout });
  };
  active.add(onInterrupt);
  emit({ type: 'run-start', mode: opts.mode, playbook: playbook.file, hosts: allHosts });
  const remotes = new Map<string, Remote>();
  const rollbacks: RollbackReport[] = [];
  let stopped: string | undefined;

  async function onHost(play: Playbook['plays'][number], playIndex: number, hp: HostPlan, health?: (g: GateResult) => void): Promise<void> {
    const r = report(hp.host);
    const t0 = Date.now();
    inFlight.add(hp.host);
    let partial: TaskResult[] = [];
    // the gate being run, and since when: a gate cut off (connection lost) is recorded too
    let gateAt: { command: string; name: string; t0: number } | undefined;
    let failedGate: GateResult | undefined;
    try {
      emit({ type: 'host-phase', host: hp.host, phase: 'connect' });
      const transport = await pool.get(hp.host, toConnectionSpec(hp.vars, (n) => inventory.hosts.get(n)?.vars));
      const b = becomeOf(hp.vars);
      const remote = new Remote(transport, { enabled: play.become ?? b.become, user: play.becomeUser ?? b.becomeUser, password: opts.becomePassword });
      remotes.set(hp.host, remote);
      const hostPlay = (tasks: PreparedTask[]) =>
        runHostPlay({
          remote,
          mode: health ? 'apply' : opts.mode,
          tasks,
          handlers: health ? [] : hp.handlers,
          vars: hp.vars,
          applyHeader: opts.mode === 'apply' ? backupHeader(runId) : undefined,
          expect: health ? undefined : opts.expect?.get(hp.host)?.[playIndex],
          perl: pool.perl.get(hp.host),
          keep: !health && opts.mode === 'check' && opts.prepared !== undefined,
          memo: health ? undefined : memos.get(hp),
          onPhase: (phase) => emit({ type: 'host-phase', host: hp.host, phase }),
          onResult: (res) => {
            partial.push(res);
            emit({ type: 'host-task', host: hp.host, task: res.task, status: res.status });
          },
        });
      let out: Awaited<ReturnType<typeof runHostPlay>>;
      if (!health) out = await hostPlay(hp.tasks);
      else {
        // one gate at a time, each timed (two round trips more per further gate); the first that
        // fails ends them, as a failed task ends a play
        const results: TaskResult[] = [];
        out = { results, failed: false, fingerprint: {}, changeKeys: {}, perl: pool.perl.get(hp.host) ?? true };
        emit({ type: 'host-phase', host: hp.host, phase: 'health' });
        for (const prep of hp.health) {
          if (out.failed) {
            results.push({ task: prep.call.name, type: prep.call.type, handler: false, status: 'skipped', reason: 'not run: an earlier health gate failed', changes: [] });
            continue;
          }
          const command = gateCommand({ ...prep.call, args: prep.args });
          emit({ type: 'host-task', host: hp.host, task: `health gate '${prep.call.name}': ${command}` });
          gateAt = { command, name: prep.call.name, t0: Date.now() };
          const one = await hostPlay([prep]);
          pool.perl.set(hp.host, one.perl);
          out.perl = one.perl;
          results.push(...one.results);
          out.failed = one.failed;
          const res = one.results.find((x) => x.status !== 'skipped') ?? one.results[0];
          const g = gateResult(hp.host, command, res && { ...res, task: prep.call.name }, Date.now() - gateAt.t0);
          if (!g.ok) failedGate ??= g;
          health(g);
          gateAt = undefined;
        }
      }
      pool.perl.set(hp.host, out.perl);
      if (out.memo) memos.set(hp, out.memo);
      else if (!health) memos.delete(hp);
      partial = health ? out.results.map(asHealth) : out.results;
      if (!health && opts.mode === 'check') r.plans = { ...r.plans, [playIndex]: { facts: out.fingerprint, tasks: out.changeKeys } };
      for (const res of partial) emit({ type: 'task', host: hp.host, result: res });
      const failed = partial.find((x) => x.status === 'failed' && !x.ignored);
      if (health && failed) {
        r.status = 'failed';
        r.error = `health gate '${failed.task}' failed: ${failedGate ? gateText(failedGate) : (failed.reason ?? '')}`;
      } else if (out.failed) r.status = 'failed';
      else if (r.status === 'ok' && out.results.some((x) => x.status === 'changed' || x.status === 'would-change')) r.status = 'changed';
    } catch (e) {
      if (health) partial = partial.map(asHealth);
      for (const res of partial) emit({ type: 'task', host: hp.host, result: res });
      // a gate cut off (the connection went away, the host failed outside it) did not pass
      if (health && gateAt) health({ host: hp.host, task: gateAt.name, command: gateAt.command, ok: false, error: (e as Error).message, durationMs: Date.now() - gateAt.t0 });
      if (e instanceof TransportError) {
        // too much output: the host answered, what it ran failed
        r.status = e.kind === 'output' ? 'failed' : 'unreachable';
        r.error = e.message;
      } else if (e instanceof DriftRefusal) {
        r.status = 'refused';
        r.error = e.message;
      } else if (e instanceof RemoteFailure || e instanceof FleetError) {
        r.status = 'failed';
        r.error = e.message;
      } else {
        // a bug of fleet's on one host: that host fails, the others go on; the stack only on request
        r.status = 'failed';
        r.error = `internal error: ${opts.debug ? ((e as Error).stack ?? String(e)) : `${(e as Error).message ?? String(e)} (run with --debug for the stack trace)`}`;
      }
    }
    r.tasks.push(...partial);
    r.execs = pool.execCount(hp.host);
    r.durationMs += Date.now() - t0;
    r.counts = countTasks(r.tasks, r.status);
    inFlight.delete(hp.host);
    recordSoon();
    emit({ type: 'host-end', host: hp.host, report: r });
  }

  try {
    for (const [playIndex, { play, hosts }] of plays.entries()) {
      if (stopped) break;
      const live = hosts.filter((h) => !isBadHost(reports.get(h.host)?.status ?? 'ok'));
      emit({ type: 'play-start', play: play.name, hosts: live.map((h) => h.host) });
      const groups = batches(live, play.serial);
      const played: RolloutRecord = {
        play: play.name,
        ...(play.serial ? { serial: play.serial } : {}),
        ...(play.maxFailPercentage !== undefined ? { maxFailPercentage: play.maxFailPercentage } : {}),
        ...(play.anyErrorsFatal ? { anyErrorsFatal: true } : {}),
        ...(play.rollbackOnFailure ? { rollbackOnFailure: true } : {}),
        gates: play.health.map((t) => t.name),
        batches: groups.map((b, i) => ({ index: i + 1, hosts: b.map((hp) => hp.host), canary: i === 0 && groups.length > 1, state: 'not-run', failed: [], gates: [] })),
      };
      rollout.push(played);
      for (const [i, batch] of groups.entries()) {
        if (stopped) break;
        const rec = played.batches[i]!;
        const bt0 = Date.now();
        emit({ type: 'batch-start', play: play.name, index: rec.index, of: groups.length, hosts: rec.hosts, canary: rec.canary });
        await mapPool(batch, opts.forks ?? 50, (hp) => onHost(play, playIndex, hp));
        if (opts.mode === 'apply' && play.health.length) {
          const ran = batch.filter((hp) => !isBadHost(report(hp.host).status));
          const onGate = (g: GateResult) => {
            rec.gates.push(g);
            emit({ type: 'health', play: play.name, batch: rec.index, gate: g });
          };
          await mapPool(ran, opts.forks ?? 50, (hp) => onHost(play, playIndex, hp, onGate));
        }
        rec.failed = batch.filter((hp) => isBadHost(report(hp.host).status)).map((hp) => hp.host);
        rec.state = rec.failed.length ? 'failed' : 'ok';
        rec.durationMs = Date.now() - bt0;
        // gates in batch order, whichever host finished first
        const order = new Map(rec.hosts.map((h, k) => [h, k]));
        rec.gates.sort((x, y) => order.get(x.host)! - order.get(y.host)!);
        const gate = rec.gates.find((g) => !g.ok);
        rec.decision = decideBatch({ of: batch.length, failed: rec.failed, gate, batches: groups.length, maxFailPercentage: play.maxFailPercentage, anyErrorsFatal: play.anyErrorsFatal, gatesPassed: rec.gates.length, last: i === groups.length - 1 });
        const label = groups.length > 1 ? `batch ${i + 1}/${groups.length} of play '${play.name}'` : `play '${play.name}'`;
        if (rec.decision.stop) stopped = played.stopped = `${label}: ${rec.decision.text}`;
        if (stopped && play.rollbackOnFailure && opts.mode === 'apply') {
          const undo = batch.filter((hp) => remotes.has(hp.host) && report(hp.host).status !== 'unreachable');
          const done = await mapPool(undo, opts.forks ?? 50, (hp) => rollbackHost(hp.host, remotes.get(hp.host)!, runId));
          rollbacks.push(...done);
          if (done.length) rec.rolledBack = done.map((x) => x.host);
        }
        recordSoon();
        emit({ type: 'batch-end', play: play.name, batch: rec, of: groups.length });
      }
    }
  } finally {
    clearTimeout(soon);
    active.delete(onInterrupt);
    if (!opts.connections) await pool.closeAll();
  }
  for (const host of allHosts) {
    if (!reports.has(host)) Object.assign(report(host), { status: 'stopped', error: `not run: the rollout stopped (${stopped ?? 'earlier failure'})`, counts: countTasks([], 'stopped') });
  }
  const hostsOut = allHosts.map(report);
  const result: RunReport = { runId, mode: opts.mode, playbook: playbook.file, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, hosts: hostsOut, summary: summarize(hostsOut), stopped, rollbacks: rollbacks.length ? rollbacks : undefined, rollout };
  entry.state = stopped ? 'stopped' : 'finished';
  entry.stopReason = stopped;
  entry.finishedAt = new Date().toISOString();
  if (rollbacks.length) entry.rollbacks = [{ at: entry.finishedAt, hosts: rollbacks.map((x) => ({ host: x.host, restored: x.restored, failed: [...x.failed, ...(x.error ? [x.error] : [])] })) }];
  record();
  emit({ type: 'run-end', report: result });
  return publicReport(result);
}

function asHealth(r: TaskResult): TaskResult {
  return { ...r, health: true, status: r.status === 'changed' ? 'ok' : r.status, reason: r.status === 'changed' ? 'health check passed' : r.reason, changes: [] };
}

/** The documented exit code of a finished run. */
export function exitCodeOf(report: RunReport, detailed = false): ExitCode {
  if (report.hosts.some((h) => h.status === 'failed' || h.status === 'refused' || h.status === 'stopped')) return ExitCode.failedHosts;
  if (report.hosts.some((h) => h.status === 'unreachable')) return ExitCode.unreachableHosts;
  if (detailed && report.hosts.some((h) => h.status === 'changed')) return ExitCode.changes;
  return ExitCode.ok;
}

/** The groups an operator can target, with their host counts, for "matched nothing" errors. */
function groupList(inv: Inventory): string {
  const groups = [...inv.groups.entries()].filter(([name]) => name !== 'ungrouped');
  const shown = groups.slice(0, 20).map(([name]) => `${name} (${selectHosts(inv, name).length})`);
  return `${shown.join(', ')}${groups.length > shown.length ? `, and ${groups.length - shown.length} more (fleet inventory --list)` : ''}`;
}
