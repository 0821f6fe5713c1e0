import type { SourceLoc, TaskCall, Vars } from '../types.js';

export interface Play {
  name: string;
  /** host pattern, as --limit */
  hosts: string;
  vars: Vars;
  varsFiles: string[];
  become?: boolean;
  becomeUser?: string;
  tasks: TaskCall[];
  handlers: TaskCall[];
  /** rollout: batch sizes (host counts or 'N%'); the last one repeats */
  serial?: (number | string)[];
  /** stop when more than this percentage of a batch fails */
  maxFailPercentage?: number;
  /** stop at the first failed host */
  anyErrorsFatal?: boolean;
  /** checks run on each batch after its changes; a failure stops the rollout */
  health: TaskCall[];
  /** undo a batch that failed its health gate */
  rollbackOnFailure?: boolean;
  loc?: SourceLoc;
}

export interface Playbook {
  file: string;
  /** base for relative paths (vars_files, copy/template src) */
  dir: string;
  plays: Play[];
}
