// The vocabulary of fleet. Tasks, facts, the engine and the reporters all speak in these types.
import type { Script } from './shell/sh.js';
import type { Schema } from './schema/schema.js';

/** A read-only probe and a pure parser. `key` dedupes probes across tasks in one gather. */
export interface Fact<T> {
  key: string;
  probe: Script;
  /** the probe never exits and keeps no shell state (cd, set, traps) that matters: it runs in the
   *  gather shell itself, saving a fork per probe per host, which is most of a no-change run's cost */
  inline?: boolean;
  /** facts that one program on the host can probe together, one process for all of them; `probe`
   *  is what runs where that program is missing */
  batch?: FactBatch;
  /** stdout of the probe and its exit code; "absent" is a value, never an exception */
  parse(stdout: string, code: number): T;
  /** the part of the value a saved plan depends on (drops volatile data such as clocks);
   *  default: all of it */
  fingerprint?(value: T): unknown;
}

export interface FactBatch {
  program: BatchProgram;
  /** what this fact asks the program about (a path) */
  arg: string;
}

export interface BatchProgram {
  /** Shell that prints each item's section exactly as its own probe would have, framed by the
   *  gather's markers, and succeeds; or prints nothing and fails, and the probes run instead. */
  script(nonce: string, items: readonly { index: number; arg: string }[]): Script;
}

export type FactMap = Record<string, Fact<unknown>>;
export type FactValues<F extends FactMap> = { [K in keyof F]: F[K] extends Fact<infer T> ? T : never };

/** A file-content diff: data only; the report layer renders it. */
export interface FileDiff {
  path: string;
  before: string;
  after: string;
}

/** What one task will do on one host. `steps` run in order inside one `set -e` subshell. */
export interface Change {
  summary: string;
  diff?: FileDiff;
  steps: Script[];
  /** fact keys this change makes stale (re-probed for verify and for later tasks) */
  invalidates: string[];
  /** fact values known exactly after the change (a file's new content): later tasks in the same
   *  window plan on them instead of forcing a re-gather; verify still re-probes them */
  predicts?: Record<string, unknown>;
  /** a change whose outcome cannot be predicted (e.g. a bare command): check mode says so */
  unpredictable?: boolean;
  /** shown alongside the change: caveats an operator must read (e.g. "re-opens CVE-…") */
  warnings?: string[];
  /** what the change interrupts, computed from facts (shown in the plan, the confirmation
   *  summary, the JSON report and saved plans); absent = interrupts nothing */
  impact?: Impact[];
  /** services this change needs restarted or reloaded to take effect: not done by its steps but
   *  once per host, after every task and handler of the play (engine/restarts.ts), so several
   *  requests share one restart; the change is verified after it */
  restarts?: RestartRequest[];
}

/** A deferred restart or reload of a service, asked for by a change. */
export interface RestartRequest {
  /** the service: 'docker', 'containerd' */
  service: string;
  how: 'restart' | 'reload';
  /** what needs it, for the restart's summary: 'daemon.json dns' */
  why: string;
  /** the restart stops every running container whatever live-restore says (a storage-driver switch) */
  stopsContainers?: boolean;
  /** the operator allowed this change to stop running containers (a task argument) */
  allowContainerStop?: boolean;
  /** steps run once the service answers again (load saved images) */
  after?: Script[];
}

/** One thing a change interrupts on its host. */
export interface Impact {
  /** restart: a service restarts (docker, containerd, dnsmasq...); containers: running containers
   *  stop; firewall: published ports stop answering from some sources; dns: a resolver's clients
   *  lose service */
  kind: 'restart' | 'containers' | 'firewall' | 'dns';
  /** one line for the operator, complete on its own */
  summary: string;
  /** the service that restarts or reloads */
  service?: string;
  /** running containers that stop (names) */
  containers?: string[];
  /** published ports that stop answering from outside, and the sources they still answer */
  ports?: { container: string; hostPort: number; proto: string; stillFrom: string[] }[];
  /** clients or listeners that lose service (addresses) */
  clients?: string[];
  /** rough duration of the interruption, e.g. "~5 s" */
  duration?: string;
}

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** One detection a task ran (`fleet audit`): found a problem, found none, or could not run here
 *  (say why in `evidence` rather than claim ok). Reported only: a check never changes anything. */
export interface CheckResult {
  /** stable, e.g. 'docker-tcp-no-tls' */
  id: string;
  title: string;
  status: 'ok' | 'finding' | 'could-not-check';
  /** how bad the problem is when found */
  severity: Severity;
  /** what was seen on the host, one fact a line */
  evidence: string[];
  /** what to do about it */
  advice?: string;
  /** the task type (or playbook task) that fixes it, when one does */
  fixedBy?: string;
}

/** A no-op always says why; a findings-only task reports its checks with it. */
export type Plan = { ok: string; checks?: CheckResult[] } | Change[];

export function isOk(plan: Plan): plan is { ok: string } {
  return !Array.isArray(plan);
}

/** `I`: the arguments as a caller writes them (optional and defaulted ones may be left out). */
export interface Task<A, F extends FactMap, I = A> {
  /** the key a playbook uses, e.g. 'json_file', 'containerd_pin' */
  type: string;
  description: string;
  args: Schema<A, I>;
  /** the argument a bare string fills: `command: echo hi` means { cmd: 'echo hi' } */
  freeForm?: string;
  /** controller-side I/O before planning (read a local source file, render a template); the
   *  result must be plain data so plan() stays pure */
  resolve?(args: A, ctx: ResolveCtx): A;
  /** declare what to read; never read it yourself */
  facts(args: A): F;
  /** `fleet audit`: how serious the host's state is when this task would change it (default medium) */
  severity?: Severity;
  /** pure: fixture-testable without SSH */
  plan(args: A, now: FactValues<F>): Plan;
  /** after apply, with the re-probed facts; undefined = converged. Default: plan() is { ok }.
   *  Return false to skip verification (a bare command has nothing to verify). */
  verify?(args: A, after: FactValues<F>): string | undefined | false;
}

// biome-ignore lint: the registry holds tasks of every argument type
export type AnyTask = Task<any, FactMap, any>;

export function defineTask<A, F extends FactMap, I = A>(task: Task<A, F, I>): Task<A, F, I> {
  return task;
}

export interface ResolveCtx {
  /** read a controller file, relative to the playbook's directory */
  readFile(path: string): string;
  /** render a Handlebars template with the host's variables */
  render(template: string, name: string): string;
}

/** A task as written in a playbook (or built in code), bound to its arguments. */
export interface TaskCall {
  name: string;
  type: string;
  /** raw arguments; strings may hold {{ templates }} rendered per host */
  args: unknown;
  when?: string;
  notify: string[];
  tags: string[];
  ignoreErrors: boolean;
  /** no_log: its diffs, output and error detail are never shown or stored */
  noLog?: boolean;
  /** where it was written, for messages: file:line:column */
  loc?: SourceLoc;
}

export interface SourceLoc {
  file: string;
  line: number;
  column: number;
}

export type Vars = Record<string, unknown>;
