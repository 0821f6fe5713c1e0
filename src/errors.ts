import type { SourceLoc } from './types.js';

/** Stable exit codes (documented in docs/usage.md). */
export const ExitCode = {
  ok: 0,
  internal: 1,
  failedHosts: 2,
  unreachableHosts: 3,
  invalidInput: 4,
  refused: 5,
  /** with --detailed-exitcode: success, and changes are pending (check/plan) or were made (apply) */
  changes: 6,
  /** audit --fail-on: a problem at or above the given severity was found */
  findings: 7,
  /** ended by a signal: 128 + its number, as shells report it */
  hangup: 129,
  interrupted: 130,
  terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export function formatLoc(loc: SourceLoc | undefined): string {
  return loc ? `${loc.file}:${loc.line}:${loc.column}` : '';
}

const CONTROL = /[\u0000-\u001f\u007f]/g;
/** Names and values from the input can hold newlines or escapes; shown escaped, the error stays one line. */
const oneLine = (s: string): string => s.replace(CONTROL, (c) => JSON.stringify(c).slice(1, -1));

/** An error the user can act on: one line, a location when there is one, an exit code. */
export class FleetError extends Error {
  constructor(
    message: string,
    readonly code: ExitCode = ExitCode.invalidInput,
    readonly loc?: SourceLoc,
    options?: { cause?: unknown },
  ) {
    super(oneLine(loc ? `${formatLoc(loc)}: ${message}` : message), options);
    this.name = 'FleetError';
  }
}

/** Invalid input: bad inventory, playbook, variables or arguments. */
export const invalid = (message: string, loc?: SourceLoc): FleetError => new FleetError(message, ExitCode.invalidInput, loc);
