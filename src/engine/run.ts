// A playbook over an inventory: plays in order, hosts in parallel (bounded), each host isolated.
import { FleetError, ExitCode } from '../errors.js';
import { becomeOf, selectHosts, toConnectionSpec, type Inventory } from '../inventory/index.js';
import { loadVarsFile } from '../playbook/load.js';
import type { Playbook } from '../playbook/model.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { TransportError } from '../transport/transport.js';
import type { Vars } from '../types.js';
import { mapPool } from '../util/pool.js';
import { ConnectionPool } from './connections.js';
import { runHostPlay, RemoteFailure } from './host-play.js';
import { FileCache, prepareTask, resolveVars, type PreparedTask } from './prepare.js';
import { Remote } from './remote.js';
import { countTasks, summarize, type HostReport, type Listener, type Mode, type RunReport, type TaskResult } from './results.js';
import { resolve } from 'node:path';

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
}

interface HostPlan {
  host: string;
  vars: Vars;
  tasks: PreparedTask[];
  handlers: PreparedTask[];
}

/** Everything that can be wrong with the input, found before the first connection. */
export function preparePlays(playbook: Playbook, inventory: Inventory, opts: Pick<RunOptions, 'registry' | 'limit' | 'tags' | 'extraVars' | 'onlyHosts'>): { play: Playbook['plays'][number]; hosts: HostPlan[] }[] {
  const files = new FileCache(playbook.dir);
  const limited = opts.limit ? new Set(selectHosts(inventory, opts.limit)) : undefined;
  return playbook.plays.map((play) => {
    const fileVars = Object.assign({}, ...play.varsFiles.map((f) => loadVarsFile(resolve(playbook.dir, f), play.loc))) as Vars;
    const names = selectHosts(inventory, play.hosts).filter((h) => (!limited || limited.has(h)) && (!opts.onlyHosts || opts.onlyHosts.includes(h)));
    const tagged = play.tasks.filter((t) => !opts.tags?.length || t.tags.includes('always') || t.tags.some((x) => opts.tags!.includes(x)));
    const hosts = names.map((host) => {
      const inv = inventory.hosts.get(host)!;
      const vars = resolveVars({ ...inv.vars, ...play.vars, ...fileVars, ...opts.extraVars, inventory_hostname: host });
      return {
        host,
        vars,
        tasks: tagged.map((t) => prepareTask(t, false, vars, opts.registry, files)),
        handlers: play.handlers.map((t) => prepareTask(t, true, vars, opts.registry, files)),
      };
    });
    return { play, hosts };
  });
}

export async function runPlaybook(playbook: Playbook, inventory: Inventory, opts: RunOptions): Promise<RunReport> {
  const started = Date.now();
  const plays = preparePlays(playbook, inventory, opts);
  const pool = opts.connections ?? new ConnectionPool();
  const emit = opts.listener ?? (() => {});
  const reports = new Map<string, HostReport>();
  const allHosts = [...new Set(plays.flatMap((p) => p.hosts.map((h) => h.host)))];
  if (allHosts.length === 0) throw new FleetError(`no hosts matched${opts.limit ? ` --limit ${opts.limit} and` : ''} the plays' hosts (${playbook.plays.map((p) => p.hosts).join('; ')})`, ExitCode.invalidInput);
  emit({ type: 'run-start', mode: opts.mode, playbook: playbook.file, hosts: allHosts });
  const report = (host: string): HostReport => {
    let r = reports.get(host);
    if (!r) {
      r = { host, status: 'ok', tasks: [], counts: countTasks([], false), execs: 0, durationMs: 0 };
      reports.set(host, r);
    }
    return r;
  };
  try {
    for (const { play, hosts } of plays) {
      const live = hosts.filter((h) => !['failed', 'unreachable'].includes(report(h.host).status));
      emit({ type: 'play-start', play: play.name, hosts: live.map((h) => h.host) });
      await mapPool(live, opts.forks ?? 50, async (hp) => {
        const r = report(hp.host);
        const t0 = Date.now();
        let partial: TaskResult[] = [];
        const onResult = (res: TaskResult) => emit({ type: 'task', host: hp.host, result: res });
        try {
          emit({ type: 'host-phase', host: hp.host, phase: 'connect' });
          const transport = await pool.get(hp.host, toConnectionSpec(hp.vars));
          const b = becomeOf(hp.vars);
          const remote = new Remote(transport, { enabled: play.become ?? b.become, user: play.becomeUser ?? b.becomeUser, password: opts.becomePassword });
          const out = await runHostPlay({
            remote,
            mode: opts.mode,
            tasks: hp.tasks,
            handlers: hp.handlers,
            vars: hp.vars,
            onPhase: (phase) => emit({ type: 'host-phase', host: hp.host, phase }),
            onResult: (res) => {
              partial.push(res);
              onResult(res);
            },
          });
          partial = out.results;
          if (out.failed) r.status = 'failed';
          else if (r.status === 'ok' && out.results.some((x) => x.status === 'changed' || x.status === 'would-change')) r.status = 'changed';
        } catch (e) {
          if (e instanceof TransportError) {
            r.status = 'unreachable';
            r.error = e.message;
          } else if (e instanceof RemoteFailure) {
            r.status = 'failed';
            r.error = e.message;
          } else {
            r.status = 'failed';
            r.error = `internal error: ${(e as Error).stack ?? String(e)}`;
          }
        }
        r.tasks.push(...partial);
        r.execs = pool.execCount(hp.host);
        r.durationMs += Date.now() - t0;
        r.counts = countTasks(r.tasks, r.status === 'unreachable');
        emit({ type: 'host-end', host: hp.host, report: r });
      });
    }
  } finally {
    if (!opts.connections) await pool.closeAll();
  }
  const hostsOut = allHosts.map(report);
  const result: RunReport = { mode: opts.mode, playbook: playbook.file, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, hosts: hostsOut, summary: summarize(hostsOut) };
  emit({ type: 'run-end', report: result });
  return result;
}

/** The documented exit code of a finished run. */
export function exitCodeOf(report: RunReport, detailed = false): ExitCode {
  if (report.hosts.some((h) => h.status === 'failed')) return ExitCode.failedHosts;
  if (report.hosts.some((h) => h.status === 'unreachable')) return ExitCode.unreachableHosts;
  if (detailed && report.hosts.some((h) => h.status === 'changed')) return ExitCode.changes;
  return ExitCode.ok;
}
