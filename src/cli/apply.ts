// `fleet apply`: gather and show the plan, confirm, apply with progress, recap, exit code.
import { ExitCode, FleetError } from '../errors.js';
import { ConnectionPool } from '../engine/connections.js';
import { exitCodeOf, runPlaybook, type RunOptions } from '../engine/run.js';
import { summarize, type RunReport } from '../engine/results.js';
import type { Inventory } from '../inventory/index.js';
import type { Playbook } from '../playbook/model.js';
import { planText, recap } from '../report/format.js';
import { interactiveReporter } from '../report/interactive.js';
import { writeJsonReport } from '../report/json.js';
import { plainReporter } from '../report/plain.js';
import type { Reporter } from '../report/reporter.js';
import { styleFor, useColor } from '../report/style.js';
import type { CliIO } from './io.js';
import { writer } from './io.js';
import { confirm } from './prompt.js';

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
  const reporter = (diff: boolean, live = true): Reporter =>
    tty && live && !flags.verbose ? interactiveReporter(style) : plainReporter({ write: out, style, diff, verbose: flags.verbose });
  const pool = new ConnectionPool();
  const finish = (report: RunReport) => {
    if (flags.json) writeJsonReport(flags.json, report);
    return exitCodeOf(report, flags.detailedExitcode);
  };
  try {
    if (flags.check) {
      const rep = reporter(flags.diff);
      const report = await runPlaybook(playbook, inventory, { ...run, mode: 'check', listener: rep.listener, connections: pool });
      await rep.finish(report);
      out(recap(report, style));
      return finish(report);
    }
    // 1. the dry run, always: nothing is changed before the operator has seen the plan
    const pre = reporter(false);
    const plan = await runPlaybook(playbook, inventory, { ...run, mode: 'check', listener: tty ? pre.listener : undefined, connections: pool });
    await pre.finish(plan);
    out(style.bold('PLAN'));
    out(planText(plan, style, true));
    const pending = plan.hosts.filter((h) => h.status === 'changed');
    if (pending.length === 0) {
      out(recap(plan, style));
      out('nothing to change.');
      return finish(plan);
    }
    const question = `Apply these changes to ${pending.length} host${pending.length === 1 ? '' : 's'}?`;
    if (!flags.yes) {
      if (!io.stdin.isTTY) throw new FleetError(`${question} — refusing without a terminal to confirm; re-run with --yes to apply, or --check for a dry run`, ExitCode.refused);
      if (!(await confirm(question, io.stdin, io.stdout))) {
        out('nothing applied.');
        return ExitCode.refused;
      }
    }
    // 2. the rollout, on the hosts that have something to do
    const rep = reporter(flags.diff);
    const report = await runPlaybook(playbook, inventory, { ...run, onlyHosts: pending.map((h) => h.host), mode: 'apply', listener: rep.listener, connections: pool });
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
