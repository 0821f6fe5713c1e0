import type { AnyTask } from '../types.js';
import * as t from './builtin-tasks.js';
import { TaskRegistry } from './registry.js';

/** In reference order: commands, files, packages and services, the remediations, then the
 *  findings-only checks of `fleet audit`. */
export const BUILTIN_TASKS: readonly AnyTask[] = [
  t.commandTask,
  t.shellTask,
  t.fileTask,
  t.copyTask,
  t.templateTask,
  t.lineinfileTask,
  t.blockinfileTask,
  t.jsonFileTask,
  t.aptTask,
  t.serviceTask,
  t.sysctlTask,
  t.iptablesTask,
  t.containerdPinTask,
  t.lxcApparmorTask,
  t.dockerUserTask,
  t.dnsCacheTask,
  t.dockerStorageDriverTask,
  t.dockerDaemonTask,
  t.dockerWatchdogTask,
  t.dockerPruneTask,
  t.dockerSocketTlsTask,
  t.dockerContainersTask,
  t.kernelLogTask,
  t.dockerVersionsTask,
] as AnyTask[];

/** A fresh registry holding every built-in task type. */
export function builtinRegistry(): TaskRegistry {
  return new TaskRegistry(BUILTIN_TASKS);
}
