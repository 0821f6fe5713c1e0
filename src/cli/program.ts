// argv -> command. Thin: everything real lives in the layers below. `runCli` takes argv and IO as
// parameters so tests run the CLI in-process.
import { Command, CommanderError, Option } from 'commander';
import { resolve } from 'node:path';
import { ExitCode, FleetError } from '../errors.js';
import { defaultInventory, inventoryToJson, loadInventory, select, selectHosts, type Inventory } from '../inventory/index.js';
import { didYouMean } from '../util/suggest.js';
import { loadPlaybook } from '../playbook/load.js';
import { builtinRegistry } from '../tasks/builtin.js';
import { taskIndex, taskReference } from '../tasks/reference.js';
import { applyCommand, applyPlanCommand, planCommand, showPlan } from './apply.js';
import { auditCommand, HARDEN_PLAYBOOK, parseSeverity } from './audit.js';
import { readPlanFile, sha256File } from '../engine/planfile.js';
import { existsSync } from 'node:fs';
import { hostsOfPlays, listRuns, noteAbandoned, rollbackRun, showRun } from './runs.js';
import { trustCommand } from './trust.js';
import { parseExtraVars } from './extra-vars.js';
import type { Vars } from '../types.js';
import { processIO, type CliIO } from './io.js';
import { askSecret } from './prompt.js';
import { VERSION } from '../version.js';
import { redact, registerNamedSecrets, registerSecret } from '../secrets/registry.js';

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];
/** -i given any number of times (as Ansible: merged in order); a plan file records one */
const sourcesOf = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v ? [String(v)] : []);

export async function runCli(argv: string[], io: CliIO = processIO()): Promise<number> {
  let code: number = ExitCode.ok;
  const debug = argv.includes('--debug');
  const program = new Command('fleet')
    .description('Apply idempotent remediation playbooks over SSH to fleets of Docker hosts.')
    .version(VERSION)
    .option('--debug', 'print stack traces of errors')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');

  const runOptions = (o: Record<string, unknown>, registry: ReturnType<typeof builtinRegistry>, extraVars: Record<string, unknown>, becomePassword?: string) => ({
    registry,
    // the run journal records the first source (a rollback re-reads it)
    inventoryFile: sourcesOf(o.inventory).length ? resolve(io.cwd, sourcesOf(o.inventory)[0]!) : undefined,
    forks: o.forks as number,
    limit: o.limit as string | undefined,
    tags: o.tags ? String(o.tags).split(',').map((t) => t.trim()) : undefined,
    extraVars,
    becomePassword,
    debug,
  });
  const becomePass = async (ask: boolean): Promise<string | undefined> => {
    if (!ask || io.env.FLEET_BECOME_PASSWORD !== undefined) {
      registerSecret(io.env.FLEET_BECOME_PASSWORD);
      return io.env.FLEET_BECOME_PASSWORD;
    }
    if (!io.stdin.isTTY) throw new FleetError('--ask-become-pass needs a terminal; set FLEET_BECOME_PASSWORD instead', ExitCode.invalidInput);
    const pass = await askSecret('BECOME password: ', io.stdin, io.stderr);
    registerSecret(pass);
    return pass;
  };
  // guests of `proxmox_discover` nodes join the inventory at load; a node that cannot be asked is
  // reported, and the run's exit code says hosts were unreachable
  let discoveryFailed = false;
  const discovered = async (inv: Inventory, extraVars?: Vars): Promise<Inventory> => {
    const { discoverGuests } = await import('../engine/discover.js');
    const r = await discoverGuests(inv, { extraVars });
    for (const f of r.failures) io.stderr.write(redact(`fleet: proxmox discovery on ${f.node} failed: ${f.error}; its guests are left out\n`));
    if (r.failures.length) discoveryFailed = true;
    return r.inventory;
  };
  const loaded = (files: unknown, extraVars?: Record<string, unknown>): Inventory => {
    const list = sourcesOf(files);
    const inv = list.length ? loadInventory(list.map((f) => resolve(io.cwd, f)), { extraVars }) : defaultInventory(extraVars);
    for (const w of inv.warnings ?? []) io.stderr.write(`fleet: warning: ${w}\n`);
    return inv;
  };
  const inventoryOf = async (files: unknown, extraVars?: Record<string, unknown>) => discovered(loaded(files, extraVars), extraVars);
  const common = (c: Command) =>
    c
      .option('-i, --inventory <file>', 'inventory (Ansible YAML or INI file, or a directory of them; repeatable); default: localhost over a local connection', collect, [])
      .option('-l, --limit <pattern>', 'only hosts matching: names, groups, globs, !exclude, &intersect, comma lists')
      .option('-t, --tags <tags>', 'only tasks with one of these tags (comma list)')
      .option('-e, --extra-vars <vars>', 'key=value, JSON, or @file (highest precedence; repeatable)', collect, [])
      .addOption(new Option('-f, --forks <n>', 'hosts worked on at once').default(50).argParser((v) => positiveInt(v, '--forks')))
      .option('-K, --ask-become-pass', 'ask for the sudo password (or set FLEET_BECOME_PASSWORD)', false)
      .option('--detailed-exitcode', `exit ${ExitCode.changes} when changes are pending (check, plan) or were applied`, false);

  common(
    program
      .command('apply')
      .description('show what would change (dry run), confirm, then apply; with --check only the dry run; with --plan exactly a saved plan')
      .argument('[playbook]', 'playbook YAML file (not with --plan)'),
  )
    .option('-C, --check', 'dry run: gather and plan, change nothing', false)
    .option('-D, --diff', 'show unified diffs of file changes', false)
    .option('-y, --yes', 'apply without asking (required without a terminal)', false)
    .option('--plan <file>', 'apply exactly this saved plan (from fleet plan); drifted hosts are refused')
    .option('--json <file>', 'write a machine-readable report of every host and task')
    .option('-v, --verbose', 'print every task, ok and skipped ones too', false)
    .action(async (file: string | undefined, o) => {
      const registry = builtinRegistry();
      const flags = { check: o.check, diff: o.diff, yes: o.yes, json: o.json, verbose: o.verbose, detailedExitcode: o.detailedExitcode };
      if (o.plan) {
        if (file) throw new FleetError('give a playbook or --plan, not both: the plan names its playbook', ExitCode.invalidInput);
        if (o.extraVars.length || o.limit || o.tags) throw new FleetError('--plan applies the plan\'s own variables, limit and tags; -e, --limit and --tags are not allowed with it', ExitCode.invalidInput);
        const plan = readPlanFile(resolve(io.cwd, o.plan));
        if (!existsSync(plan.playbook.file) || sha256File(plan.playbook.file) !== plan.playbook.sha256) throw new FleetError(`the playbook ${plan.playbook.file} changed since the plan was made; make a new plan`, ExitCode.invalidInput);
        const invFile = sourcesOf(o.inventory).length ? sourcesOf(o.inventory) : sourcesOf(plan.inventory);
        const run = { ...runOptions({ ...o, inventory: invFile, limit: plan.limit, tags: plan.tags?.join(',') }, registry, plan.extraVars, await becomePass(o.askBecomePass)) };
        noteAbandoned(io, plan.hosts.map((h) => h.host));
        code = await applyPlanCommand(io, plan, loadPlaybook(plan.playbook.file, registry), await inventoryOf(invFile), run, flags);
        return;
      }
      if (!file) throw new FleetError('missing playbook: fleet apply PLAYBOOK (or --plan FILE)', ExitCode.invalidInput);
      const extraVars = parseExtraVars(o.extraVars, io.cwd);
      const inventory = await inventoryOf(o.inventory);
      const playbook = loadPlaybook(resolve(io.cwd, file), registry);
      if (o.limit) warnUnmatched(io, inventory, o.limit);
      noteAbandoned(io, hostsOfPlays(playbook, inventory, o.limit));
      code = await applyCommand(io, playbook, inventory, runOptions(o, registry, extraVars, await becomePass(o.askBecomePass)), flags);
    });

  common(
    program
      .command('plan')
      .description('dry run saved to a plan file: per host, the changes with their diffs and a fingerprint of the facts they came from')
      .argument('<playbook>', 'playbook YAML file'),
  )
    .requiredOption('-o, --out <file>', 'where to write the plan (JSON)')
    .action(async (file: string, o) => {
      const registry = builtinRegistry();
      const extraVars = parseExtraVars(o.extraVars, io.cwd);
      const inventory = await inventoryOf(o.inventory);
      if (o.limit) warnUnmatched(io, inventory, o.limit);
      const playbook = loadPlaybook(resolve(io.cwd, file), registry);
      noteAbandoned(io, hostsOfPlays(playbook, inventory, o.limit));
      code = await planCommand(io, playbook, inventory, runOptions(o, registry, extraVars, await becomePass(o.askBecomePass)), { out: resolve(io.cwd, o.out), detailedExitcode: o.detailedExitcode });
    });

  common(
    program
      .command('audit')
      .description('run every detection across the fleet without changing anything: findings-only checks (playbooks/audit.yaml) and harden.yaml in check mode, as a host × problem table'),
  )
    .option('--json', 'print every host and check (ok, finding, could-not-check, unreachable) as JSON instead of the table', false)
    .option('--html <file>', 'also write a self-contained HTML report')
    .option('--fixes <playbook>', 'remediation playbook played in check mode; its would-change tasks are problems it fixes (repeatable; default playbooks/harden.yaml)', collect, [])
    .option('--no-fixes', 'only the findings-only checks')
    .addOption(new Option('--fail-on <severity>', `exit ${ExitCode.findings} when a problem this severe or worse is found`).argParser(parseSeverity))
    .option('-v, --verbose', 'print the evidence under each problem', false)
    .action(async (o) => {
      const registry = builtinRegistry();
      const extraVars = parseExtraVars(o.extraVars, io.cwd);
      const inventory = await inventoryOf(o.inventory);
      if (o.limit) warnUnmatched(io, inventory, o.limit);
      // commander: --fixes collects into an array, --no-fixes sets it to false
      const fixes = o.fixes === false ? [] : o.fixes.length ? o.fixes : [HARDEN_PLAYBOOK];
      code = await auditCommand(io, inventory, runOptions(o, registry, extraVars, await becomePass(o.askBecomePass)), { json: o.json, html: o.html, fixes, failOn: o.failOn, verbose: o.verbose });
    });

  const triage = (c: Command) =>
    c
      .option('-i, --inventory <file>', 'inventory (Ansible YAML or INI file, or a directory of them; repeatable); default: localhost over a local connection', collect, [])
      .option('-l, --limit <pattern>', 'only hosts matching the pattern')
      .option('-b, --become', 'use sudo (default: as the inventory says)')
      .option('-K, --ask-become-pass', 'ask for the sudo password (or set FLEET_BECOME_PASSWORD)', false)
      .option('--json', 'print JSON, one entry per host', false)
      .addOption(new Option('-f, --forks <n>', 'hosts worked on at once').default(50).argParser((v) => positiveInt(v, '--forks')));

  triage(
    program
      .command('run')
      .description('run one shell command on every selected host (ad hoc, for triage); output grouped by identical output and exit status')
      .argument('<command>', 'shell command (sent on stdin, never in argv)'),
  )
    .addOption(new Option('--timeout <seconds>', 'stop the command on a host after this long (default: command_timeout)').argParser((v) => positiveInt(v, '--timeout')))
    .action(async (command: string, o) => {
      const inventory = await inventoryOf(o.inventory);
      if (o.limit) warnUnmatched(io, inventory, o.limit);
      const { adhocCommand } = await import('./adhoc.js');
      code = await adhocCommand(io, inventory, command, { limit: o.limit, json: o.json, forks: o.forks, become: o.become, becomePassword: await becomePass(o.askBecomePass), timeoutMs: o.timeout ? o.timeout * 1000 : undefined });
    });

  triage(
    program
      .command('facts')
      .description("show the facts a play's when: sees on each selected host (facts.docker.running, ...), hosts grouped by value")
      .argument('[names...]', 'only these facts (a name selects what is under it: docker, os.id)'),
  ).action(async (names: string[], o) => {
    const inventory = await inventoryOf(o.inventory);
    if (o.limit) warnUnmatched(io, inventory, o.limit);
    const { factsCommand } = await import('./facts.js');
    code = await factsCommand(io, inventory, names, { limit: o.limit, json: o.json, forks: o.forks, become: o.become, becomePassword: await becomePass(o.askBecomePass) });
  });

  program
    .command('show')
    .description('print a saved plan readably')
    .argument('<plan>', 'plan file from fleet plan')
    .action((file: string) => {
      code = showPlan(io, resolve(io.cwd, file));
    });

  program
    .command('inventory')
    .description('show the resolved inventory')
    .option('-i, --inventory <file>', 'inventory file or directory, repeatable (default: localhost)', collect, [])
    .option('--list', 'print hosts with their resolved variables as JSON', false)
    .option('-l, --limit <pattern>', 'only hosts matching the pattern')
    .option('-e, --extra-vars <vars>', 'key=value, JSON, or @file', collect, [])
    .action(async (o) => {
      const extraVars = parseExtraVars(o.extraVars, io.cwd);
      const inv = await inventoryOf(o.inventory, extraVars);
      const hosts = selectHosts(inv, o.limit ?? 'all');
      for (const h of hosts) registerNamedSecrets(inv.hosts.get(h)?.vars);
      io.stdout.write(redact(o.list ? `${JSON.stringify(inventoryToJson(inv, hosts), null, 2)}\n` : `${hosts.join('\n')}\n`));
    });

  program
    .command('trust')
    .description("show each host's SSH host key fingerprint and record new ones in known_hosts after confirmation; changed keys are refused")
    .requiredOption('-i, --inventory <file>', 'inventory (Ansible YAML or INI file, or a directory; repeatable)', collect)
    .option('-l, --limit <pattern>', 'only hosts matching the pattern')
    .option('-y, --yes', 'record without asking (required without a terminal)', false)
    .option('--known-hosts <file>', "record here instead of each host's first known_hosts file")
    .option('--hash', 'write hashed host names, as ssh-keygen -H', false)
    .option('--allow-new-type', 'also record a key of a new type for a host known by a key of another type (flagged otherwise: a possible downgrade)', false)
    .addOption(new Option('-f, --forks <n>', 'hosts contacted at once').default(20).argParser((v) => positiveInt(v, '--forks')))
    .action(async (o) => {
      // no discovery: guests have no host keys of their own
      const inventory = loaded(o.inventory);
      if (o.limit) warnUnmatched(io, inventory, o.limit);
      code = await trustCommand(io, inventory, { limit: o.limit, yes: o.yes, knownHosts: o.knownHosts, hash: o.hash, forks: o.forks, allowNewType: o.allowNewType });
    });

  const runs = program.command('runs').description('the run journal: every plan and apply, per host outcome, backups');
  runs
    .command('list', { isDefault: true })
    .description('list recorded runs, newest first (this user\'s; the journal is ~/.local/state/fleet/runs, or $FLEET_JOURNAL_DIR)')
    .addOption(new Option('--last <n>', 'only the newest N that match').argParser((v) => positiveInt(v, '--last')))
    .option('--state <state>', 'only runs in this state: running, finished, stopped, abandoned, running?')
    .option('--playbook <text>', 'only runs of playbooks whose path contains this')
    .option('--all-users', "every user's runs, in a journal directory a project shares", false)
    .action((o) => {
      code = listRuns(io, undefined, { last: o.last, state: o.state, playbook: o.playbook, allUsers: o.allUsers });
    });
  runs
    .command('show')
    .argument('<id>', 'run id')
    .option('--json', 'print the journal entry as JSON', false)
    .description('show one run')
    .action((id: string, o) => {
      code = wrap(() => showRun(io, id, o.json));
    });

  program
    .command('rollback')
    .description("undo an applied run on its hosts from the backups it kept there: files, package versions (where still installable), holds, services")
    .argument('<run-id>', 'the run to undo (see fleet runs)')
    .option('-i, --inventory <file>', 'inventory (default: the one the run used)')
    .option('-l, --limit <pattern>', 'only these hosts')
    .option('-b, --become', 'use sudo (default: as the inventory says)')
    .option('-C, --check', 'show what it would restore on each host, change nothing', false)
    .option('-y, --yes', 'roll back without asking (required without a terminal)', false)
    .addOption(new Option('-f, --forks <n>', 'hosts worked on at once').default(50).argParser((v) => positiveInt(v, '--forks')))
    .action(async (id: string, o) => {
      code = await rollbackRun(io, id, { inventory: o.inventory, limit: o.limit, become: o.become, becomePassword: io.env.FLEET_BECOME_PASSWORD, forks: o.forks, check: o.check, yes: o.yes }).catch((e: Error) => {
        throw e instanceof FleetError ? e : new FleetError(e.message, ExitCode.invalidInput);
      });
    });

  program
    .command('tasks')
    .description('list task types, one line each; with TYPE, its full reference')
    .argument('[type]', 'one task type')
    .action((type?: string) => {
      const registry = builtinRegistry();
      if (type === undefined) return void io.stdout.write(taskIndex(registry));
      if (!registry.types().includes(type)) {
        // a part of a name (`containerd`, `docker`) is what an operator types in an incident
        const partial = registry.types().filter((t) => t.includes(type.toLowerCase()));
        const hint = didYouMean(type, registry.types()) || (partial.length ? ` (did you mean ${partial.map((t) => `'${t}'`).join(' or ')}?)` : '');
        throw new FleetError(`unknown task type '${type}'${hint}; fleet tasks lists them`, ExitCode.invalidInput);
      }
      io.stdout.write(taskReference(registry, type));
    });

  const lab = program.command('lab').description('a lab of real Debian hosts in local Docker containers, to try fleet');
  lab
    .command('up')
    .description('start lab hosts with a mix of problem scenarios and write .lab/inventory.yaml')
    .addOption(new Option('--hosts <n>', 'number of hosts').default(3).argParser((v) => positiveInt(v, '--hosts')))
    .addOption(new Option('--proxmox <n>', 'also start n Proxmox nodes (pve1..) with LXC guests reached by pct').default(0).argParser((v) => (v === '0' ? 0 : positiveInt(v, '--proxmox'))))
    .option('--dir <dir>', 'where to write the inventory and key', '.lab')
    .action(async (o) => {
      const { labUp } = await import('../lab/cli.js');
      const r = await labUp({ hosts: o.hosts, proxmox: o.proxmox, dir: resolve(io.cwd, o.dir) }).catch((e: Error) => {
        throw new FleetError(`lab up: ${e.message}`, ExitCode.internal);
      });
      io.stdout.write(`lab up: ${r.hosts.length} hosts\ninventory: ${r.inventoryPath}\ntry: fleet apply playbooks/harden.yaml -i ${r.inventoryPath} --check --diff\n`);
    });
  lab
    .command('down')
    .description('remove the lab started by `fleet lab up`')
    .option('--dir <dir>', 'the lab directory', '.lab')
    .action(async (o) => {
      const { labDown } = await import('../lab/cli.js');
      await labDown({ dir: resolve(io.cwd, o.dir) }).catch((e: Error) => {
        throw new FleetError(`lab down: ${e.message}`, ExitCode.internal);
      });
      io.stdout.write('lab down\n');
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return discoveryFailed && code === ExitCode.ok ? ExitCode.unreachableHosts : code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? ExitCode.ok : ExitCode.invalidInput;
    }
    if (e instanceof FleetError) {
      // error messages may quote rendered values: secrets are redacted here too
      io.stderr.write(redact(`fleet: ${e.message}\n`));
      if (debug && e.stack) io.stderr.write(redact(`${e.stack}\n`));
      return e.code;
    }
    io.stderr.write(redact(`fleet: internal error: ${(e as Error).message ?? String(e)}${debug ? `\n${(e as Error).stack}` : ' (run with --debug for the stack trace)'}\n`));
    return ExitCode.internal;
  }
}

/** Journal look-ups fail with a plain Error naming what exists: that is invalid input. */
function wrap(f: () => number): number {
  try {
    return f();
  } catch (e) {
    throw e instanceof FleetError ? e : new FleetError((e as Error).message, ExitCode.invalidInput);
  }
}

function warnUnmatched(io: CliIO, inventory: Inventory, pattern: string): void {
  const names = [...inventory.hosts.keys(), ...inventory.groups.keys()];
  for (const term of select(inventory, pattern).unmatched) {
    const bare = term.replace(/^[!&]/, '');
    io.stderr.write(`fleet: warning: --limit term '${term}' matches no host or group${didYouMean(bare, names)}\n`);
  }
}

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new FleetError(`${flag} must be a positive integer, got '${v}'`, ExitCode.invalidInput);
  return n;
}
