// Before any connection: render each task's arguments for each host, resolve controller files, and
// validate the result. Bad input fails here, for the whole run, with the task's location.
import { readInputFile } from '../util/input-file.js';
import { resolve } from 'node:path';
import { invalid } from '../errors.js';
import { parseArgs, SchemaError } from '../schema/schema.js';
import { renderString, renderValue } from '../playbook/render.js';
import type { TaskRegistry } from '../tasks/registry.js';
import type { AnyTask, FactMap, TaskCall, Vars } from '../types.js';

export interface PreparedTask {
  call: TaskCall;
  task: AnyTask;
  args: unknown;
  facts: FactMap;
  handler: boolean;
  /** an argument error that only matters if `when` lets the task run (as Ansible, lazily) */
  deferred?: Error;
}

export class FileCache {
  private readonly files = new Map<string, string>();
  constructor(readonly baseDir: string) {}
  read(path: string): string {
    const full = resolve(this.baseDir, path);
    let text = this.files.get(full);
    if (text === undefined) {
      text = readInputFile(full, 'source file').toString('utf8');
      this.files.set(full, text);
    }
    return text;
  }
}

export function prepareTask(call: TaskCall, handler: boolean, scope: Vars, registry: TaskRegistry, files: FileCache): PreparedTask {
  const task = registry.get(call.type);
  if (!task) throw invalid(`unknown task type '${call.type}'`, call.loc);
  try {
    return prepareNow(call, task, handler, scope, files);
  } catch (e) {
    if (call.when === undefined || !/undefined variable/.test((e as Error).message)) throw e;
    return { call, task, args: undefined, facts: {}, handler, deferred: e as Error };
  }
}

function prepareNow(call: TaskCall, task: AnyTask, handler: boolean, scope: Vars, files: FileCache): PreparedTask {
  const where = `task '${call.name}'`;
  let raw = renderValue(call.args, scope, where, call.loc);
  if (typeof raw === 'string' && task.freeForm) raw = { [task.freeForm]: raw };
  let args: unknown;
  try {
    args = parseArgs(task.args, raw ?? {});
  } catch (e) {
    if (e instanceof SchemaError) throw invalid(`${call.type}: ${e.message} (after rendering variables)`, call.loc);
    throw e;
  }
  if (task.resolve) {
    args = task.resolve(args, {
      readFile: (p) => files.read(p),
      render: (text, name) => renderString(text, scope, name, call.loc),
    });
  }
  return { call, task, args, facts: task.facts(args), handler };
}

/** Variables may refer to other variables: render string values against the merged scope. */
export function resolveVars(vars: Vars): Vars {
  const out: Vars = { ...vars };
  for (let pass = 0; pass < 3; pass++) {
    let again = false;
    for (const [k, v] of Object.entries(out)) {
      if (typeof v === 'string' && v.includes('{{')) {
        const r = renderValue(v, out, `variable '${k}'`);
        out[k] = r;
        if (typeof r === 'string' && r.includes('{{') && r !== v) again = true;
      }
    }
    if (!again) break;
  }
  return out;
}
