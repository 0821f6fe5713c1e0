// One play on one host: gather -> plan (pure) -> apply -> verify, in as few windows as the facts
// allow. A window closes only when a task needs a fact that a pending change makes stale. The
// restarts changes ask for run last, once per service (engine/restarts.ts), and the asking tasks
// are verified after them.
import { createHash } from 'node:crypto';
import { isOk, type AnyTask, type Change, type Fact, type FactMap, type Plan, type Vars } from '../types.js';
import { hostFacts, type HostFacts } from '../facts/host.js';
import { evalWhen } from '../playbook/expr.js';
import { applyScript, gatherScript, parseFramed } from './frame.js';
import type { Remote } from './remote.js';
import type { PreparedTask } from './prepare.js';
import { redactDeep } from '../secrets/registry.js';
import type { Mode, TaskResult } from './results.js';
import { TransportError } from '../transport/transport.js';
import { RestartQueue } from './restarts.js';
import { restartTask } from '../tasks/lib/service-restart.js';
import { stepFailure } from './step-error.js';

export interface HostPlayInput {
  remote: Remote;
  mode: Mode;
  tasks: PreparedTask[];
  handlers: PreparedTask[];
  vars: Vars;
  /** shell run before the changes: defines the backup helpers for this run */
  applyHeader?: string;
  /** apply a saved plan: refuse before changing anything if the host drifted from it */
  expect?: PlanExpectation;
  /** whether an earlier pass (the dry run before an apply) found perl on the host */
  perl?: boolean;
  /** check mode: keep what was seen and planned, for the apply that follows (output `memo`) */
  keep?: boolean;
  /** apply: what the dry run kept; its plans stand while the first gather reads the same bytes */
  memo?: PlanMemo;
  /** plans the one restart per service the changes asked for (default: tasks/lib/service-restart.ts);
   *  engine tests give one that acts on a local shell */
  restartTask?: AnyTask;
  onPhase(phase: 'gather' | 'apply' | 'verify'): void;
  onResult(r: TaskResult): void;
}

interface Planned {
  prep: PreparedTask;
  changes: Change[];
  provisional: boolean;
}

export class RemoteFailure extends Error {}

/** A saved plan no longer describes the host: nothing was changed there. */
export class DriftRefusal extends RemoteFailure {}

export interface PlanExpectation {
  /** fact key -> hash of its value when the plan was made */
  facts: Record<string, string>;
  /** task id -> the changes recorded for it */
  tasks: Record<string, string>;
}

/** A dry run's first gather and the plans made on it, before any planned change was needed as a
 *  fact. Plans are pure functions of their arguments and facts, so while the apply's first gather
 *  returns the same output, fact for fact, they, the fingerprint and the change keys stand as they
 *  were: the apply neither plans nor hashes them again. */
export interface PlanMemo {
  seen: { key: string; out: string; code: number }[];
  plans: Map<PreparedTask, Plan>;
  fingerprint: Record<string, string>;
  changeKeys: Record<string, string>;
}

const sameGather = (a: PlanMemo['seen'], b: PlanMemo['seen']) => a.length === b.length && a.every((x, i) => x.key === b[i]!.key && x.code === b[i]!.code && x.out === b[i]!.out);

export const hashValue = (v: unknown): string => createHash('sha256').update(JSON.stringify(v ?? null)).digest('hex').slice(0, 16);
export const taskId = (p: PreparedTask, index: number): string => `${p.handler ? 'handler' : 'task'}#${index}:${p.call.name}`;
// stored in plan files: secrets appear only as the marker, a no_log task's changes only as a hash
export const changesKey = (changes: readonly Change[], noLog = false): string => {
  const shown = changes.map((c) => ({ summary: c.summary, diff: c.diff }));
  return noLog ? hashValue(shown) : JSON.stringify(redactDeep(shown));
};

const BASE = hostFacts();

export interface HostPlayOutput {
  results: TaskResult[];
  failed: boolean;
  /** check mode and saved plans only: what a plan depends on */
  fingerprint: Record<string, string>;
  changeKeys: Record<string, string>;
  perl: boolean;
  memo?: PlanMemo;
}

export async function runHostPlay(input: HostPlayInput): Promise<HostPlayOutput> {
  const { remote, mode } = input;
  const cache = new Map<string, unknown>();
  const stale = new Set<string>();
  /** keys whose value a pending change predicted: planned on, re-probed at verify */
  const predicted = new Set<string>();
  const results: TaskResult[] = [];
  let window: Planned[] = [];
  /** a window was applied: from here on the facts are the host's new ones, not the dry run's */
  let flushed = false;
  let failed = false;
  const callOf = new Map<TaskResult, PreparedTask['call']>();
  /** the restarts the planned changes asked for: run once each, after the tasks and handlers */
  const restarts = new RestartQueue();
  const restarter = input.restartTask ?? restartTask;
  /** applied tasks whose changes take effect only with a restart still to come: verified after it */
  const awaiting: { p: Planned; res: TaskResult }[] = [];
  const emit = (r: TaskResult) => {
    results.push(r);
    input.onResult(r);
  };
  const base = (prep: PreparedTask, extra: Partial<TaskResult>): TaskResult => {
    const r: TaskResult = { task: prep.call.name, type: prep.call.type, handler: prep.handler, status: 'ok', changes: [], loc: prep.call.loc, ...(prep.call.noLog ? { noLog: true } : {}), ...extra };
    callOf.set(r, prep.call);
    return r;
  };

  /** the host has perl (writer.ts, file-batch.ts), as any gather of this run found; assumed before
   *  the first (Essential on Debian and Ubuntu): a host without it costs one more gather, once */
  const perl = () => (cache.get(BASE.key) as HostFacts | undefined)?.perl ?? input.perl ?? true;

  async function gather(facts: Fact<unknown>[]): Promise<PlanMemo['seen']> {
    const byKey = new Map<string, Fact<unknown>>([[BASE.key, BASE]]);
    for (const f of facts) byKey.set(f.key, f);
    const list = [...byKey.values()];
    const once = async (lean: boolean) => {
      const framed = gatherScript(list, undefined, lean);
      const r = await remote.run(framed.script);
      return { r, sections: parseFramed(r.stdout, framed.nonce) };
    };
    let { r, sections } = await once(perl());
    // a batch program failed on a lean script: once more, each probe with its own fallback
    if (perl() && sections.size < list.length) ({ r, sections } = await once(false));
    return list.map((f, i) => {
      const s = sections.get(i);
      if (!s) throw new RemoteFailure(`gathering facts failed (exit ${r.code ?? r.signal}): ${r.stderr.trim().split('\n').slice(-3).join(' ') || 'no output'}`);
      cache.set(f.key, f.parse(s.out, s.code));
      stale.delete(f.key);
      predicted.delete(f.key);
      return { key: f.key, out: s.out, code: s.code };
    });
  }

  const factsOf = (prep: PreparedTask) => Object.values(prep.facts) as Fact<unknown>[];
  const valuesFor = (facts: FactMap) => Object.fromEntries(Object.entries(facts).map(([n, f]) => [n, cache.get(f.key)]));

  async function flush(remaining: PreparedTask[]): Promise<void> {
    if (window.length === 0) return;
    const planned = window;
    window = [];
    flushed = true;
    if (mode === 'check') {
      for (const p of planned) emit(base(p.prep, { status: 'would-change', changes: p.changes.map(record), provisional: p.provisional || undefined }));
      return;
    }
    if (drift.length) throw new DriftRefusal(`refused: the host changed since the plan (${drift.join('; ')}); nothing was changed here — plan again to review what it would do now`);
    input.onPhase('apply');
    const blocks = planned.flatMap((p) => p.changes.map((c) => ({ steps: c.steps, continueOnError: p.prep.call.ignoreErrors })));
    const framed = applyScript(blocks, undefined, input.applyHeader, perl());
    let r;
    try {
      r = await remote.run(framed.script, undefined, framed.writer);
    } catch (e) {
      // the connection went away mid-apply: say which tasks were in flight (any of them may have run)
      if (!(e instanceof TransportError)) throw e;
      throw new TransportError(e.kind, `${e.message}, while applying ${planned.map((p) => `'${p.prep.call.name}'`).join(', ')}`, { cause: e });
    }
    const sections = parseFramed(r.stdout, framed.nonce);
    if (sections.size === 0 && r.code !== 0) throw new RemoteFailure(`apply could not start (exit ${r.code ?? r.signal}): ${r.stderr.trim() || r.stdout.trim()}`);
    let i = 0;
    const applied: Planned[] = [];
    const outcome = new Map<Planned, TaskResult>();
    for (const p of planned) {
      const outs: string[] = [];
      let status: 'changed' | 'failed' | 'skipped' = 'changed';
      let exitCode: number | undefined;
      for (const _ of p.changes) {
        const s = sections.get(i++);
        if (!s) status = status === 'changed' ? 'skipped' : status;
        else {
          if (s.out.trim()) outs.push(s.out.trimEnd());
          if (s.code !== 0) [status, exitCode] = ['failed', s.code];
        }
      }
      const output = outs.join('\n') || undefined;
      if (status === 'skipped') outcome.set(p, base(p.prep, { status: 'skipped', reason: 'not run: an earlier task failed' }));
      else if (status === 'failed') outcome.set(p, base(p.prep, { status: 'failed', reason: stepFailure(exitCode, output), exitCode, output, changes: p.changes.map(record), ignored: p.prep.call.ignoreErrors || undefined }));
      else {
        applied.push(p);
        outcome.set(p, base(p.prep, { status: 'changed', changes: p.changes.map(record), output }));
      }
    }
    // a change that needs a restart still to come is verified once the restart ran
    const restartHere = planned.some((p) => p.prep.task === restarter && outcome.get(p)!.status !== 'skipped');
    const later = restartHere ? [] : applied.filter((p) => p.changes.some((c) => c.restarts?.length));
    for (const p of later) awaiting.push({ p, res: outcome.get(p)! });
    const waited = restartHere ? awaiting.splice(0) : [];
    for (const w of waited) outcome.set(w.p, w.res);
    const verifyNow = [...applied.filter((p) => !later.includes(p)), ...waited.map((w) => w.p)];
    // verify: one gather re-probes every stale fact, for the applied tasks and for the tasks to come;
    // after a restart, every fact of the tasks that waited for it
    const forced = new Set(waited.flatMap((w) => factsOf(w.p.prep)).map((f) => f.key));
    const restale = [...verifyNow.flatMap((p) => factsOf(p.prep)), ...remaining.flatMap(factsOf)].filter((f) => stale.has(f.key) || predicted.has(f.key) || forced.has(f.key));
    input.onPhase('verify');
    await gather(restale);
    for (const p of verifyNow) {
      const res = outcome.get(p)!;
      const msg = verifyOne(p.prep);
      if (msg) Object.assign(res, { status: 'failed', reason: `did not converge: ${msg}` });
    }
    for (const p of [...planned.filter((x) => !later.includes(x)), ...waited.map((w) => w.p)]) {
      const res = outcome.get(p)!;
      emit(res);
      if (res.status === 'failed' && !res.ignored) failed = true;
    }
  }

  /** The end of the play: tasks still waiting for a restart that made no change (nothing to restart
   *  there) are verified now; after a failure, the restart did not run and they say so. */
  async function settleAwaiting(): Promise<void> {
    const left = awaiting.splice(0);
    if (!left.length) return;
    if (failed) {
      for (const w of left) emit(Object.assign(w.res, { reason: 'applied, not verified: the play stopped before the restart this change needs (the service takes it when it restarts)' }));
      return;
    }
    input.onPhase('verify');
    const keys = new Set(left.flatMap((w) => factsOf(w.p.prep)).map((f) => f.key));
    await gather(left.flatMap((w) => factsOf(w.p.prep)).filter((f) => keys.delete(f.key)));
    for (const w of left) {
      const msg = verifyOne(w.p.prep);
      if (msg) Object.assign(w.res, { status: 'failed', reason: `did not converge: ${msg}` });
      emit(w.res);
      if (w.res.status === 'failed' && !w.res.ignored) failed = true;
    }
  }

  function verifyOne(prep: PreparedTask): string | undefined {
    const after = valuesFor(prep.facts);
    if (prep.task.verify) {
      const v = prep.task.verify(prep.args, after as never);
      return v === false ? undefined : v;
    }
    const again = prep.task.plan(prep.args, after as never);
    return isOk(again) ? undefined : again.map((c) => c.summary).join('; ');
  }

  const all = [...input.tasks, ...input.handlers];
  input.onPhase('gather');
  const first = all.flatMap(factsOf);
  const seen = await gather(first);
  const memo = input.memo && sameGather(input.memo.seen, seen) ? input.memo : undefined;
  // what a saved plan depends on (every fact of the first gather), and what it planned: only a
  // check or a saved plan's apply needs them
  const keyed = mode === 'check' || input.expect !== undefined;
  const fingerprint: Record<string, string> = { ...memo?.fingerprint };
  if (keyed && !memo) for (const f of [BASE, ...first]) fingerprint[f.key] = hashValue(f.fingerprint ? f.fingerprint(cache.get(f.key)) : cache.get(f.key));
  const drift: string[] = [];
  if (input.expect) {
    const changed = Object.keys(input.expect.facts).filter((k) => input.expect!.facts[k] !== fingerprint[k]);
    if (changed.length) drift.push(`${changed.length === 1 ? 'fact' : 'facts'} ${changed.join(', ')} changed`);
  }
  const changeKeys: Record<string, string> = {};
  const kept: PlanMemo | undefined = input.keep ? { seen, plans: new Map(), fingerprint, changeKeys } : undefined;
  /** a task planned on a fact that a pending change makes stale: the plans from here on depend
   *  on changes, not on the gather alone */
  let staleSeen = false;
  const ids = new Map(all.map((p, i) => [p, taskId(p, i)]));
  const notified = new Set<string>();
  const queue: PreparedTask[] = [...input.tasks];
  let handlersQueued = false;
  let restartsQueued = false;
  for (let i = 0; !failed; i++) {
    if (i === queue.length && !handlersQueued) {
      handlersQueued = true;
      // handlers run after every task, in definition order, only where a change notified them
      queue.push(...input.handlers.filter((h) => [h.call.name, ...h.call.notify].some((n) => notified.has(n))));
    }
    if (i === queue.length && !restartsQueued) {
      restartsQueued = true;
      // then each service that changes asked to restart, once (engine/restarts.ts)
      for (const r of restarts.tasks(input.vars, restarter)) {
        ids.set(r, `restart#${(r.args as { service: string }).service}`);
        queue.push(r);
      }
    }
    if (i === queue.length) break;
    const prep = queue[i]!;
    const isRestart = prep.task === restarter;
    // facts no task of the play declared (the restarts'): read now, before planning on them
    const missing = factsOf(prep).filter((f) => !cache.has(f.key) && !stale.has(f.key));
    if (missing.length) await gather(missing);
    const usesStale = factsOf(prep).some((f) => stale.has(f.key));
    staleSeen ||= usesStale;
    if (usesStale && mode === 'apply') await flush(queue.slice(i));
    if (failed) break;
    try {
      if (prep.call.when !== undefined && !evalWhen(prep.call.when, { ...input.vars, facts: cache.get(BASE.key) as HostFacts })) {
        emit(base(prep, { status: 'skipped', reason: `when: ${prep.call.when}` }));
      } else {
        if (prep.deferred) throw prep.deferred;
        const id = ids.get(prep)!;
        const reused = memo && !flushed ? memo.plans.get(prep) : undefined;
        const plan = reused ?? prep.task.plan(prep.args, valuesFor(prep.facts) as never);
        if (reused) changeKeys[id] = memo!.changeKeys[id]!;
        else if (!usesStale && keyed) {
          changeKeys[id] = changesKey(isOk(plan) ? [] : plan, prep.call.noLog);
          const recorded = input.expect?.tasks[id];
          if (input.expect && recorded !== undefined && recorded !== changeKeys[id]) drift.push(`task '${prep.call.name}' now plans ${isOk(plan) ? 'no change' : prep.call.noLog ? 'other changes (hidden by no_log)' : plan.map((c) => c.summary).join('; ')}`);
        }
        if (kept && !staleSeen) kept.plans.set(prep, plan);
        if (isOk(plan)) emit(base(prep, { status: 'ok', reason: plan.ok, provisional: (usesStale && mode === 'check') || undefined, ...(plan.checks ? { checks: plan.checks } : {}) }));
        else {
          window.push({ prep, changes: plan, provisional: usesStale && mode === 'check' });
          // a later change of the same plan that predicts a key settles what an earlier change of
          // that plan left unknown: it writes the value it predicts, computed on fresh facts
          const staleBefore = new Set(stale);
          for (const c of plan) {
            for (const k of c.invalidates) {
              if (c.predicts && k in c.predicts && !staleBefore.has(k)) {
                cache.set(k, c.predicts[k]);
                predicted.add(k);
                stale.delete(k);
              } else stale.add(k);
            }
          }
          if (!prep.handler) for (const n of prep.call.notify) notified.add(n);
          for (const c of plan) restarts.add(c, prep.call.name);
        }
      }
    } catch (e) {
      // a restart refused in check mode is shown as refused, even on facts an earlier change would
      // alter: the dry run is what keeps a rollout from stopping containers
      if (usesStale && mode === 'check' && !isRestart) {
        // the facts this plan needs will only exist once earlier changes are made: say so, honestly
        const summary = `depends on an earlier change: ${(e as Error).message}`;
        window.push({ prep, changes: [{ summary, steps: [], invalidates: [], unpredictable: true }], provisional: true });
        continue;
      }
      const r = base(prep, { status: 'failed', reason: (e as Error).message, ignored: prep.call.ignoreErrors || undefined });
      // keep order: changes planned before this task are applied first
      await flush(queue.slice(i + 1));
      emit(r);
      if (!prep.call.ignoreErrors) failed = true;
    }
  }
  if (!failed) await flush([]);
  await settleAwaiting();
  // results arrive per window; report them in task order
  const order = new Map(queue.map((p, i) => [p.call, i]));
  const pos = (r: TaskResult) => order.get(callOf.get(r)!) ?? 0;
  return { results: [...results].sort((a, b) => pos(a) - pos(b)), failed, fingerprint, changeKeys, perl: perl(), memo: kept };
}

function record(c: Change) {
  return { summary: c.summary, diff: c.diff, unpredictable: c.unpredictable, warnings: c.warnings, ...(c.impact?.length ? { impact: c.impact } : {}) };
}
