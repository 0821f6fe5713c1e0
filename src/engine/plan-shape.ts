// A plan file is input like any other: before anything reads it, every field fleet uses is checked,
// so a hand-edited or truncated plan fails with the path of the bad field, not a crash later.
import { invalid } from '../errors.js';

type Check = (v: unknown, path: string) => string | undefined;

const str: Check = (v, p) => (typeof v === 'string' ? undefined : `${p} must be a string`);
const optional = (c: Check): Check => (v, p) => (v === undefined || v === null ? undefined : c(v, p));
const oneOf = (values: readonly string[]): Check => (v, p) => (typeof v === 'string' && values.includes(v) ? undefined : `${p} must be one of ${values.join(', ')}`);
const list = (item: Check): Check => (v, p) => (Array.isArray(v) ? v.map((x, i) => item(x, `${p}[${i}]`)).find(Boolean) : `${p} must be a list`);
const record = (item: Check): Check => (v, p) =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v).map(([k, x]) => item(x, `${p}.${k}`)).find(Boolean) : `${p} must be a mapping`;
const object = (shape: Record<string, Check>): Check => (v, p) =>
  v !== null && typeof v === 'object' && !Array.isArray(v)
    ? Object.entries(shape).map(([k, c]) => c((v as Record<string, unknown>)[k], p ? `${p}.${k}` : k)).find(Boolean)
    : `${p || 'the plan'} must be a mapping`;

const num: Check = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? undefined : `${p} must be a number`);
// what a change interrupts (types.ts Impact): shown by `fleet show` and in the confirmation
const impact = object({
  kind: oneOf(['restart', 'containers', 'firewall', 'dns']),
  summary: str,
  service: optional(str),
  containers: optional(list(str)),
  ports: optional(list(object({ container: str, hostPort: num, proto: str, stillFrom: list(str) }))),
  clients: optional(list(str)),
  duration: optional(str),
});
const change = object({ summary: str, diff: optional(object({ path: str, before: str, after: str })), warnings: optional(list(str)), impact: optional(list(impact)) });
const task = object({ task: str, type: optional(str), status: oneOf(['ok', 'changed', 'would-change', 'skipped', 'failed']), changes: list(change), reason: optional(str) });
const host = object({
  host: str,
  status: oneOf(['ok', 'changed', 'failed', 'unreachable', 'stopped']),
  error: optional(str),
  tasks: list(task),
  plans: record(object({ facts: record(str), tasks: record(str) })),
});
const PLAN = object({
  fleet: str,
  createdAt: str,
  runId: str,
  playbook: object({ file: str, sha256: str }),
  inventory: optional(str),
  limit: optional(str),
  tags: optional(list(str)),
  extraVars: record(() => undefined),
  hosts: list(host),
});

export function checkPlanShape(plan: unknown, file: string): void {
  const problem = PLAN(plan, '');
  if (problem) throw invalid(`${file} is not a usable plan: ${problem} (make a new one with: fleet plan PLAYBOOK -o ${file})`);
}
