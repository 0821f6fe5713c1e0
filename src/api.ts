// The engine from TypeScript: build plays from typed task constructors or load YAML, then run.
import { resolve } from 'node:path';
import { defaultInventory, loadInventory, type Inventory } from './inventory/index.js';
import { loadPlaybook } from './playbook/load.js';
import type { Play, Playbook } from './playbook/model.js';
import { builtinRegistry } from './tasks/builtin.js';
import type { TaskRegistry } from './tasks/registry.js';
import { runPlaybook, type RunOptions } from './engine/run.js';
import type { RunReport } from './engine/results.js';
import type { FactMap, Task, TaskCall } from './types.js';

export interface TaskOptions {
  when?: string;
  notify?: string[];
  tags?: string[];
  ignoreErrors?: boolean;
  /** hide this task's diffs, output and error detail (as `no_log: true`) */
  noLog?: boolean;
}

/** A typed task call: `call(jsonFileTask, 'log rotation', { path: …, set: … })`. The arguments are
 *  typed from the task's schema: an unknown or a missing required argument does not compile; any
 *  argument may be a `{{ template }}` string, rendered per host. */
export function call<A, F extends FactMap, I>(task: Task<A, F, I>, name: string, args: I, opts: TaskOptions = {}): TaskCall {
  return { name, type: task.type, args, when: opts.when, notify: opts.notify ?? [], tags: opts.tags ?? [], ignoreErrors: opts.ignoreErrors ?? false, ...(opts.noLog ? { noLog: true } : {}) };
}

/** Every field a YAML play has (in camelCase), with the YAML's defaults. */
export type PlayInput = Pick<Play, 'name' | 'tasks'> & Partial<Omit<Play, 'name' | 'tasks' | 'loc'>>;

export function play(p: PlayInput): Play {
  const { name, tasks, hosts = 'all', vars = {}, varsFiles = [], handlers = [], health = [], ...rollout } = p;
  return { ...rollout, name, hosts, vars, varsFiles, tasks, handlers, health };
}

export interface RunInput {
  /** a playbook file, a loaded Playbook, or plays built in code */
  playbook: string | Playbook | Play[];
  /** an inventory file or a loaded Inventory; default: localhost over a local connection */
  inventory?: string | Inventory;
  mode?: 'check' | 'apply';
  registry?: TaskRegistry;
  /** base directory for relative files when plays are built in code */
  dir?: string;
}

/** Run a playbook and get typed per-host, per-task results. Never prints. */
export async function run(input: RunInput, opts: Partial<Omit<RunOptions, 'registry' | 'mode'>> = {}): Promise<RunReport> {
  const registry = input.registry ?? builtinRegistry();
  const playbook: Playbook =
    typeof input.playbook === 'string'
      ? loadPlaybook(resolve(input.playbook), registry)
      : Array.isArray(input.playbook)
        ? { file: '<code>', dir: resolve(input.dir ?? '.'), plays: input.playbook }
        : input.playbook;
  const inventory = input.inventory === undefined ? defaultInventory() : typeof input.inventory === 'string' ? loadInventory(resolve(input.inventory)) : input.inventory;
  return runPlaybook(playbook, inventory, { ...opts, registry, mode: input.mode ?? 'check' });
}
