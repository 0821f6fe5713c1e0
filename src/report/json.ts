// The machine-readable report: every host and task outcome, with changes and diffs.
import { writeFileAtomic } from '../util/atomic-file.js';
import type { RunReport } from '../engine/results.js';
import { publicReport } from '../secrets/no-log.js';

export const REPORT_VERSION = 1;

export function reportJson(report: RunReport): string {
  return `${JSON.stringify({ version: REPORT_VERSION, ...publicReport(report) }, null, 2)}\n`;
}

/** Written atomically: a reader never sees half a report. */
export function writeJsonReport(file: string, report: RunReport): void {
  writeFileAtomic(file, reportJson(report));
}
