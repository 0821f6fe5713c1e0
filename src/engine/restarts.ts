// Restarts asked for by the changes of one play on one host, coalesced: each service restarts (or
// reloads) once, after every task and handler, so config changes that each need dockerd restarted
// share one restart, taken after all of them. A restart covers a reload; containerd goes before
// docker (dockerd talks to it), the others follow in the order they were asked for.
import type { AnyTask, Change, RestartRequest, Vars } from '../types.js';
import { restartTask, type RestartArgs } from '../tasks/lib/service-restart.js';
import type { PreparedTask } from './prepare.js';

/** 'docker.service' and 'docker' are one service. */
export const serviceName = (s: string): string => s.replace(/\.service$/, '');

const ORDER = ['containerd', 'docker'];

/** The variable an operator sets (play, inventory or -e) to let a restart stop running containers. */
export const ALLOW_CONTAINER_STOP = 'allow_container_stop';

const truthy = (v: unknown) => v === true || (typeof v === 'string' && /^(true|yes|1)$/i.test(v.trim()));

export class RestartQueue {
  private readonly asked = new Map<string, { reqs: RestartRequest[]; by: string[] }>();

  /** Record the restarts a planned change asks for, on behalf of the task named `by`. */
  add(change: Change, by: string): void {
    for (const r of change.restarts ?? []) {
      const service = serviceName(r.service);
      const entry = this.asked.get(service) ?? { reqs: [], by: [] };
      entry.reqs.push(r);
      if (!entry.by.includes(by)) entry.by.push(by);
      this.asked.set(service, entry);
    }
  }

  get size(): number {
    return this.asked.size;
  }

  /** One merged request per service, in the order they run. */
  merged(vars: Vars): RestartArgs[] {
    const rank = (s: string) => (ORDER.includes(s) ? ORDER.indexOf(s) : ORDER.length);
    const allowed = truthy(vars[ALLOW_CONTAINER_STOP]);
    return [...this.asked.entries()]
      .map(([service, { reqs, by }], i) => ({ i, args: merge(service, reqs, by, allowed) }))
      .sort((a, b) => rank(a.args.service) - rank(b.args.service) || a.i - b.i)
      .map((x) => x.args);
  }

  /** The engine's restart tasks, to run after the play's tasks and handlers. */
  tasks(vars: Vars, task: AnyTask = restartTask): PreparedTask[] {
    return this.merged(vars).map((args) => ({
      // not a handler's usual name ('restart docker'): the one the engine runs for them all
      call: { name: `${args.how} ${args.service} (once)`, type: task.type, args: {}, notify: [], tags: [], ignoreErrors: false },
      task,
      args,
      facts: task.facts(args),
      handler: true,
    }));
  }
}

function merge(service: string, reqs: RestartRequest[], by: string[], allowed: boolean): RestartArgs {
  return {
    service,
    how: reqs.some((r) => r.how === 'restart') ? 'restart' : 'reload',
    why: [...new Set(reqs.map((r) => r.why))],
    by,
    stopsContainers: reqs.some((r) => r.stopsContainers),
    allowContainerStop: allowed || reqs.some((r) => r.allowContainerStop),
    after: reqs.flatMap((r) => r.after ?? []),
  };
}
