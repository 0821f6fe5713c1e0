import type { SourceLoc, TaskCall, Vars } from '../types.js';

export interface Play {
  name: string;
  /** host pattern, as --limit */
  hosts: string;
  /** play vars: beat inventory vars (as in Ansible) */
  vars: Vars;
  /** the lowest precedence (as Ansible role defaults): inventory group and host vars, play vars,
   *  vars_files and -e all override them; what a playbook offers for a fleet to tune per host */
  defaults?: Vars;
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
