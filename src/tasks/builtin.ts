import type { AnyTask } from '../types.js';
import * as builtins from './builtin-tasks.js';
import { TaskRegistry } from './registry.js';

/** A fresh registry holding every built-in task type. */
export function builtinRegistry(): TaskRegistry {
  return new TaskRegistry(Object.values(builtins) as AnyTask[]);
}
