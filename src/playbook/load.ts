// playbook YAML -> Playbook. Every error names file:line:column and, for unknown names, the closest
// valid one. Arguments are validated here (templates deferred) so no connection is made for a typo.
import { dirname, resolve } from 'node:path';
import { isMap, isSeq, isScalar, type YAMLMap } from 'yaml';
import { invalid } from '../errors.js';
import { SchemaError } from '../schema/schema.js';
import type { TaskRegistry } from '../tasks/registry.js';
import type { SourceLoc, TaskCall, Vars } from '../types.js';
import { closest, didYouMean } from '../util/suggest.js';
import type { Play, Playbook } from './model.js';
import { parseExpr } from './expr.js';
import { parseYaml, readTextFile, keyNode, type YamlSource } from './yaml-source.js';

const PLAY_KEYS = ['name', 'hosts', 'defaults', 'vars', 'vars_files', 'become', 'become_user', 'tasks', 'handlers', 'gather_facts', 'serial', 'max_fail_percentage', 'any_errors_fatal', 'health', 'rollback_on_failure'];
const TASK_KEYS = ['name', 'when', 'notify', 'tags', 'ignore_errors', 'listen', 'no_log'];

export function loadPlaybook(file: string, registry: TaskRegistry): Playbook {
  return parsePlaybook(readTextFile(file, 'playbook'), file, registry);
}

export function parsePlaybook(text: string, file: string, registry: TaskRegistry): Playbook {
  const src = parseYaml(text, file, 'playbook');
  const root = src.doc.contents;
  if (!isSeq(root)) throw invalid('a playbook is a YAML list of plays (each starting with "- name:" and "hosts:")', src.loc(root));
  const dir = dirname(resolve(file));
  const plays = root.items.map((node, i) => loadPlay(src, node, i, registry));
  if (plays.length === 0) throw invalid('the playbook has no plays', src.loc(root));
  return { file, dir, plays };
}

function checkKeys(src: YamlSource, map: YAMLMap, known: readonly string[], what: string): void {
  for (const pair of map.items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!known.includes(k)) throw invalid(`unknown ${what} key '${k}'${didYouMean(k, known)}; known: ${known.join(', ')}`, src.loc(pair.key));
  }
}

function loadPlay(src: YamlSource, node: unknown, index: number, registry: TaskRegistry): Play {
  if (!isMap(node)) throw invalid(`play ${index + 1} must be a mapping with 'hosts' and 'tasks'`, src.loc(node));
  checkKeys(src, node, PLAY_KEYS, 'play');
  const js = node.toJS(src.doc) as Record<string, unknown>;
  const loc = src.loc(node);
  const name = str(js.name ?? `play ${index + 1}`, src, node, 'name');
  if (js.hosts === undefined) throw invalid(`play '${name}' has no 'hosts' (use 'all' for every host)`, loc);
  const hosts = Array.isArray(js.hosts) ? js.hosts.map(String).join(',') : str(js.hosts, src, node, 'hosts');
  const vars = mapping(js.vars, src, node, 'vars');
  const defaults = mapping(js.defaults, src, node, 'defaults');
  const varsFiles = js.vars_files === undefined ? [] : list(js.vars_files, src, node, 'vars_files').map(String);
  const become = js.become === undefined ? undefined : boolean(js.become, src, node, 'become');
  const becomeUser = js.become_user === undefined ? undefined : str(js.become_user, src, node, 'become_user');
  const tasks = loadTasks(src, node.get('tasks', true), 'tasks', registry, false);
  const handlers = loadTasks(src, node.get('handlers', true), 'handlers', registry, true);
  const handlerNames = new Set(handlers.flatMap((h) => [h.name, ...h.notify]));
  for (const t of tasks) {
    for (const n of t.notify) {
      if (!handlerNames.has(n)) throw invalid(`task '${t.name}' notifies '${n}', which is no handler of this play${didYouMean(n, handlerNames)}`, t.loc);
    }
  }
  const health = loadTasks(src, node.get('health', true), 'health', registry, false);
  const serial = js.serial === undefined ? undefined : serialOf(js.serial, src, node);
  const mfp = js.max_fail_percentage;
  if (mfp !== undefined && (typeof mfp !== 'number' || mfp < 0 || mfp > 100)) throw invalid(`'max_fail_percentage' must be a number from 0 to 100`, src.locAt(node, ['max_fail_percentage']));
  const anyErrorsFatal = js.any_errors_fatal === undefined ? undefined : boolean(js.any_errors_fatal, src, node, 'any_errors_fatal');
  const rollbackOnFailure = js.rollback_on_failure === undefined ? undefined : boolean(js.rollback_on_failure, src, node, 'rollback_on_failure');
  return { name, hosts, vars, ...(Object.keys(defaults).length ? { defaults } : {}), varsFiles, become, becomeUser, tasks, handlers, health, serial, maxFailPercentage: mfp as number | undefined, anyErrorsFatal, rollbackOnFailure, loc };
}

/** serial: 1, "10%", or a list such as [1, "10%", "100%"] whose last value repeats. */
function serialOf(v: unknown, src: YamlSource, node: YAMLMap): (number | string)[] {
  const list = Array.isArray(v) ? v : [v];
  const ok = list.length > 0 && list.every((x) => (typeof x === 'number' && Number.isInteger(x) && x > 0) || (typeof x === 'string' && /^(\d+%|\d+)$/.test(x.trim()) && parseInt(x, 10) > 0));
  if (!ok) throw invalid(`'serial' must be a positive host count, a percentage such as "10%", or a list of them such as [1, "10%", "100%"]`, src.locAt(node, ['serial']));
  return list as (number | string)[];
}

function loadTasks(src: YamlSource, node: unknown, what: string, registry: TaskRegistry, handlers: boolean): TaskCall[] {
  if (node === undefined || node === null || (isScalar(node) && node.value === null)) return [];
  if (!isSeq(node)) throw invalid(`'${what}' must be a list of tasks`, src.loc(node));
  return node.items.map((t) => loadTask(src, t, registry, handlers));
}

function loadTask(src: YamlSource, node: unknown, registry: TaskRegistry, handler: boolean): TaskCall {
  const loc = src.loc(node);
  if (!isMap(node)) throw invalid('a task must be a mapping such as "- name: …" followed by one task type key', loc);
  const js = node.toJS(src.doc) as Record<string, unknown>;
  const typeKeys = Object.keys(js).filter((k) => !TASK_KEYS.includes(k));
  const known = registry.types();
  const unknown = typeKeys.filter((k) => !registry.get(k));
  if (unknown.length > 0) {
    const k = unknown[0]!;
    const near = closest(k, [...known, ...TASK_KEYS]);
    const hint = near ? ` (did you mean '${near}'?)` : `; task types: ${known.join(', ')}`;
    throw invalid(`unknown task type '${k}'${hint}`, src.loc(keyNode(node, k)));
  }
  if (typeKeys.length !== 1) {
    const msg = typeKeys.length === 0 ? `task has no task type; add one of: ${known.join(', ')}` : `task has ${typeKeys.length} task types (${typeKeys.join(', ')}); a task does exactly one thing`;
    throw invalid(msg, loc);
  }
  const type = typeKeys[0]!;
  const task = registry.get(type)!;
  let args = js[type];
  if (typeof args === 'string' && task.freeForm) args = { [task.freeForm]: args };
  if (args === null || args === undefined) args = {};
  const argsNode = node.get(type, true);
  try {
    task.args.parse(args, [], { deferTemplates: true });
  } catch (e) {
    if (!(e instanceof SchemaError)) throw e;
    const at = typeof js[type] === 'string' ? src.loc(argsNode) : src.locAt(argsNode, e.path, e.atKey);
    throw invalid(`${type}: ${e.message}`, at);
  }
  const name = js.name === undefined ? type : str(js.name, src, node, 'name');
  const notify = js.notify === undefined ? [] : list(js.notify, src, node, 'notify', true).map(String);
  const listen = handler && js.listen !== undefined ? list(js.listen, src, node, 'listen', true).map(String) : [];
  const when = js.when === undefined ? undefined : whenText(js.when, src, node);
  return {
    name,
    type,
    args,
    when,
    notify: handler ? listen : notify,
    tags: js.tags === undefined ? [] : list(js.tags, src, node, 'tags', true).map(String),
    ignoreErrors: js.ignore_errors === undefined ? false : boolean(js.ignore_errors, src, node, 'ignore_errors'),
    ...(js.no_log !== undefined && boolean(js.no_log, src, node, 'no_log') ? { noLog: true } : {}),
    loc,
  };
}

function whenText(v: unknown, src: YamlSource, node: YAMLMap): string {
  let text: string;
  if (typeof v === 'boolean') text = String(v);
  else if (typeof v === 'string') text = v;
  else if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'boolean')) text = v.map((x) => `(${String(x)})`).join(' and ');
  else throw invalid(`'when' must be an expression (a string) or a list of them`, src.locAt(node, ['when']));
  try {
    parseExpr(text);
  } catch (e) {
    throw invalid(`bad 'when' expression: ${(e as Error).message}: ${text}`, src.locAt(node, ['when']));
  }
  return text;
}

function str(v: unknown, src: YamlSource, node: YAMLMap, key: string): string {
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  throw invalid(`'${key}' must be a string`, src.locAt(node, [key]));
}

function boolean(v: unknown, src: YamlSource, node: YAMLMap, key: string): boolean {
  if (typeof v === 'boolean') return v;
  throw invalid(`'${key}' must be true or false`, src.locAt(node, [key]));
}

function list(v: unknown, src: YamlSource, node: YAMLMap, key: string, single = false): unknown[] {
  if (Array.isArray(v)) return v;
  if (single && (typeof v === 'string' || typeof v === 'number')) return [v];
  throw invalid(`'${key}' must be a list`, src.locAt(node, [key]));
}

function mapping(v: unknown, src: YamlSource, node: YAMLMap, key: string): Vars {
  if (v === undefined || v === null) return {};
  if (typeof v === 'object' && !Array.isArray(v)) return v as Vars;
  throw invalid(`'${key}' must be a mapping of variable names to values`, src.locAt(node, [key]));
}

/** vars_files: YAML mappings, relative to the playbook. */
export function loadVarsFile(path: string, from: SourceLoc | undefined): Vars {
  const src = parseYaml(readTextFile(path, 'vars file'), path, 'vars file');
  const root = src.doc.contents;
  if (!isMap(root)) throw invalid(`vars file ${path} must be a mapping of variable names to values`, from ?? src.loc(root));
  return root.toJS(src.doc) as Vars;
}
