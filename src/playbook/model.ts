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
  loc?: SourceLoc;
}

export interface Playbook {
  file: string;
  /** base for relative paths (vars_files, copy/template src) */
  dir: string;
  plays: Play[];
}
