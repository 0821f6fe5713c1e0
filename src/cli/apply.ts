// `fleet apply`: gather and show the plan, confirm, apply with progress, recap, exit code.
import { ExitCode, FleetError } from '../errors.js';
import { ConnectionPool } from '../engine/connections.js';
import { exitCodeOf, preparePlays, runPlaybook, type RunOptions } from '../engine/run.js';
import { countTasks, summarize, type RunReport } from '../engine/results.js';
import { expectations, readPlanFile, toPlanFile, writePlanFile, type PlanFile } from '../engine/planfile.js';
import { selectHosts, type Inventory } from '../inventory/index.js';
import type { Playbook } from '../playbook/model.js';
import { planText, recap } from '../report/format.js';
import { planSummary, type RolloutPlay } from '../report/summary.js';
import { interactiveReporter } from '../report/interactive.js';
import { writeJsonReport } from '../report/json.js';
import { plainReporter } from '../report/plain.js';
import type { Reporter } from '../report/reporter.js';
import { styleFor, useColor } from '../report/style.js';
import type { CliIO } from './io.js';
import { writer } from './io.js';
import { confirmYes } from './prompt.js';
import { redact, redactDeep, registerNamedSecrets } from '../secrets/registry.js';

export interface ApplyFlags {
  check: boolean;
  diff: boolean;
  yes: boolean;
  json?: string;
  verbose: boolean;
  detailedExitcode: boolean;
}

export async function applyCommand(io: CliIO, playbook: Playbook, inventory: Inventory, run: Omit<RunOptions, 'mode' | 'listener' | 'connections'>, flags: ApplyFlags): Promise<number> {
  const tty = Boolean(io.stdout.isTTY);
  const style = styleFor(useColor(io.stdout));
  const out = writer(io.stdout);
  // a dry run's task lines are the plan printed after it: streamed too only with -v
  const reporter = (diff: boolean, dry = false): Reporter =>
    tty && !flags.verbose ? interactiveReporter(style, out) : plainReporter({ write: out, style, diff, verbose: flags.verbose, tasks: !dry || flags.verbose });
  const pool = new ConnectionPool();
  const finish = (report: RunReport) => {
    if (flags.json) writeJsonReport(flags.json, report);
    return exitCodeOf(report, flags.detailedExitcode);
  };
  try {
    // rendered and checked once, for the dry run and the rollout (a check alone keeps no plans)
    const prepared = flags.check ? undefined : preparePlays(playbook, inventory, run);
    // 1. the dry run, always: nothing is changed before the operator has seen the plan; on a
    //    terminal and in a pipe the same plan, summary and recap follow it
    const pre = reporter(flags.diff, true);
    const plan = await runPlaybook(playbook, inventory, { ...run, mode: 'check', listener: pre.listener, connections: pool, prepared });
    await pre.finish(plan);
    out(style.bold('PLAN'));
    const shown = planText(plan, style, { diff: flags.check ? flags.diff : true });
    if (shown) out(shown);
    for (const l of planSummary(plan, style, rolloutOf(playbook, inventory, run.limit))) out(l);
    const pending = plan.hosts.filter((h) => h.status === 'changed');
    if (flags.check || pending.length === 0) {
      out(recap(plan, style));
      if (!flags.check) out('nothing to change.');
      return finish(plan);
    }
    const question = `Apply these changes to ${pending.length} host${pending.length === 1 ? '' : 's'}?`;
    if (!flags.yes) {
      if (!io.stdin.isTTY) throw new FleetError(`${question} — refusing without a terminal to confirm; re-run with --yes to apply, or --check for a dry run`, ExitCode.refused);
      if (!(await confirmYes(question, io.stdin, io.stdout))) {
        out('nothing applied: only yes confirms.');
        return ExitCode.refused;
      }
    }
    // 2. the rollout, on the hosts that have something to do, exactly as shown: a host that changed
    //    while the question was open is refused (as a drifted saved plan), never silently re-planned
    const rep = reporter(flags.diff);
    const expect = new Map(pending.map((h) => [h.host, h.plans ?? {}]));
    const report = await runPlaybook(playbook, inventory, { ...run, onlyHosts: pending.map((h) => h.host), mode: 'apply', expect, listener: rep.listener, connections: pool, prepared });
    await rep.finish(report);
    // hosts without changes (or failed in the dry run) keep their dry-run outcome in the recap
    const hosts = plan.hosts.map((h) => report.hosts.find((a) => a.host === h.host) ?? h);
    const merged: RunReport = { ...report, hosts, summary: summarize(hosts) };
    out(recap(merged, style));
    return finish(merged);
  } finally {
    await pool.closeAll();
  }
}

export async function planCommand(io: CliIO, playbook: Playbook, inventory: Inventory, run: Omit<RunOptions, 'mode' | 'listener' | 'connections'>, o: { out: string; detailedExitcode: boolean }): Promise<number> {
  refuseSecretExtraVars(run.extraVars ?? {});
  const style = styleFor(useColor(io.stdout));
  const out = writer(io.stdout);
  const rep = io.stdout.isTTY ? interactiveReporter(style, out) : undefined;
  const report = await runPlaybook(playbook, inventory, { ...run, mode: 'check', listener: rep?.listener });
  await rep?.finish(report);
  writePlanFile(o.out, toPlanFile(report, { inventory: run.inventoryFile, limit: run.limit, tags: run.tags, extraVars: run.extraVars }));
  const shown = planText(report, style, { diff: true });
  if (shown) out(shown);
  for (const l of planSummary(report, style, rolloutOf(playbook, inventory, run.limit))) out(l);
  out(recap(report, style));
  out(`plan written to ${o.out}: review it with \`fleet show ${o.out}\`, apply exactly it with \`fleet apply --plan ${o.out}\``);
  return exitCodeOf(report, o.detailedExitcode);
}

/** A plan file holds its -e variables to apply them later, and never a secret: a secret -e value
 *  could only be stored as the marker, and applying the plan would then write the marker. Secrets in
 *  the playbook or its vars files are fine: they are read again (!env, !file) when the plan is applied. */
function refuseSecretExtraVars(extraVars: Record<string, unknown>): void {
  registerNamedSecrets(extraVars);
  const secret = Object.keys(extraVars).filter((k) => JSON.stringify(redactDeep(extraVars[k])) !== JSON.stringify(extraVars[k]));
  if (secret.length) throw new FleetError(`-e ${secret.join(', ')}: secret values are never written to plan files; set ${secret.length === 1 ? 'it' : 'them'} in a vars file with !env or !file instead, which is read again when the plan is applied`, ExitCode.invalidInput);
}

export function showPlan(io: CliIO, file: string): number {
  const plan = readPlanFile(file);
  const style = styleFor(useColor(io.stdout));
  const out = writer(io.stdout);
  out(style.bold(`plan of ${plan.playbook.file} (made ${plan.createdAt} by fleet ${plan.fleet})`));
  if (plan.inventory) out(`inventory ${plan.inventory}${plan.limit ? `, --limit ${plan.limit}` : ''}${plan.tags ? `, --tags ${plan.tags.join(',')}` : ''}`);
  // plan files never hold a secret -e value (refuseSecretExtraVars); redact still guards names
  // registered as secret by this process
  if (Object.keys(plan.extraVars).length) out(redact(`extra vars: ${Object.entries(plan.extraVars).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}`));
  // every host named: this is where --limit and large plans send the operator for detail
  for (const l of savedPlanText(plan, style, Infinity)) out(l);
  return ExitCode.ok;
}

function savedPlanText(plan: PlanFile, style: ReturnType<typeof styleFor>, maxHosts?: number, rollout?: RolloutPlay[]): string[] {
  const hosts = plan.hosts.map((h) => ({ ...h, counts: countTasks(h.tasks, h.status), execs: 0, durationMs: 0 }));
  const report: RunReport = { runId: plan.runId, mode: 'check', playbook: plan.playbook.file, startedAt: plan.createdAt, durationMs: 0, hosts, summary: summarize(hosts) };
  const shown = planText(report, style, { diff: true, maxHosts });
  return [...(shown ? [shown] : []), ...planSummary(report, style, rollout)];
}

/** The plays with the names of their hosts (as preparePlays selects them), for the rollout lines
 *  of the summary. */
function rolloutOf(playbook: Playbook, inventory: Inventory, limit: string | undefined): RolloutPlay[] {
  const limited = limit ? new Set(selectHosts(inventory, limit)) : undefined;
  return playbook.plays.map((play) => ({ play, hosts: selectHosts(inventory, play.hosts).filter((h) => !limited || limited.has(h)) }));
}

/** Apply a saved plan: the same playbook (checked by content), variables, limit and tags, only on
 *  the hosts it changes; each host re-gathers and is refused if anything the plan saw has changed. */
export async function applyPlanCommand(io: CliIO, plan: PlanFile, playbook: Playbook, inventory: Inventory, run: Omit<RunOptions, 'mode' | 'listener' | 'connections'>, flags: ApplyFlags): Promise<number> {
  const style = styleFor(useColor(io.stdout));
  const out = writer(io.stdout);
  const expect = expectations(plan);
  if (expect.size === 0) {
    out('the plan has no changes to apply.');
    return ExitCode.ok;
  }
  const question = `Apply the saved plan to ${expect.size} host${expect.size === 1 ? '' : 's'}?`;
  if (!flags.yes) {
    if (!io.stdin.isTTY) throw new FleetError(`${question} — refusing without a terminal to confirm; re-run with --yes`, ExitCode.refused);
    out(style.bold('PLAN'));
    // the batches and gates the apply goes through, as for a fresh plan
    for (const l of savedPlanText(plan, style, undefined, rolloutOf(playbook, inventory, run.limit))) out(l);
    if (!(await confirmYes(question, io.stdin, io.stdout))) {
      out('nothing applied: only yes confirms.');
      return ExitCode.refused;
    }
  }
  const rep = io.stdout.isTTY && !flags.verbose ? interactiveReporter(style, out) : plainReporter({ write: out, style, diff: flags.diff, verbose: flags.verbose });
  const report = await runPlaybook(playbook, inventory, { ...run, mode: 'apply', expect, onlyHosts: [...expect.keys()], listener: rep.listener });
  await rep.finish(report);
  out(recap(report, style));
  if (flags.json) writeJsonReport(flags.json, report);
  return exitCodeOf(report, flags.detailedExitcode);
}
