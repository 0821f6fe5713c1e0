import type { AnyTask } from '../types.js';

/** Task types by playbook key. Built-ins are added by builtin.ts; library users may add their own. */
export class TaskRegistry {
  private readonly byType = new Map<string, AnyTask>();
  constructor(tasks: readonly AnyTask[] = []) {
    for (const t of tasks) this.add(t);
  }
  add(task: AnyTask): this {
    if (this.byType.has(task.type)) throw new Error(`task type '${task.type}' is registered twice`);
    this.byType.set(task.type, task);
    return this;
  }
  get(type: string): AnyTask | undefined {
    return this.byType.get(type);
  }
  types(): string[] {
    return [...this.byType.keys()];
  }
  all(): AnyTask[] {
    return [...this.byType.values()];
  }
}
