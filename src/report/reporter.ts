import type { Listener, RunReport } from '../engine/results.js';

/** Reporters consume engine events; the engine never prints. */
export interface Reporter {
  listener: Listener;
  /** wait until output is flushed (listr2 renders asynchronously) */
  finish(report?: RunReport): Promise<void>;
}
