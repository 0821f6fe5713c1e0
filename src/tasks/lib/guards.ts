// creates / removes / unless: what makes a command idempotent. Shared by `command` and `shell`.
import { commandSucceedsFact, pathExistsFact } from '../../facts/file.js';
import { optional, string, doc, int, plain } from '../../schema/schema.js';
import { sh, type Script } from '../../shell/sh.js';
import { carrying } from '../../shell/stdin-command.js';
import type { Fact, Plan } from '../../types.js';

export const guardArgs = {
  chdir: doc(optional(plain()), 'directory to run in (relative creates/removes paths and unless run there too)'),
  creates: doc(optional(plain()), 'a path; when it exists the command is not run'),
  removes: doc(optional(plain()), 'a path; when it does not exist the command is not run'),
  unless: doc(optional(string()), 'a shell probe; when it exits 0 the command is not run'),
  timeout: doc(optional(int({ min: 1, max: 604800 })), 'seconds; the command is killed after that long (TERM, then KILL 5 s later) and the task fails'),
};

export interface Guarded {
  chdir?: string;
  creates?: string;
  removes?: string;
  unless?: string;
  timeout?: number;
}

/** A guard path as the command sees it: relative to chdir, like Ansible. */
function inDir(a: Guarded, path: string): string {
  return a.chdir && !path.startsWith('/') ? `${a.chdir.replace(/\/+$/, '')}/${path}` : path;
}

export function guardFacts(a: Guarded): Record<string, Fact<boolean>> {
  const f: Record<string, Fact<boolean>> = {};
  if (a.creates) f.creates = pathExistsFact(inDir(a, a.creates));
  if (a.removes) f.removes = pathExistsFact(inDir(a, a.removes));
  if (a.unless) f.unless = commandSucceedsFact(a.unless, a.chdir);
  return f;
}

type GuardValues = { creates?: boolean; removes?: boolean; unless?: boolean };

/** The plan of a guarded command: ok with the guard's reason, or run (unpredictable without a guard).
 *  `fd3`: text the command reads on fd 3 (stdin-command.ts: a shell's command line, kept out of argv). */
export function planCommand(a: Guarded, now: GuardValues, shown: string, run: Script, fd3?: string): Plan {
  if (a.creates && now.creates) return { ok: `${inDir(a, a.creates)} exists` };
  if (a.removes && !now.removes) return { ok: `${inDir(a, a.removes)} does not exist` };
  if (a.unless && now.unless) return { ok: 'the unless probe succeeded' };
  const guarded = Boolean(a.creates || a.removes || a.unless);
  const invalidates = Object.values(guardFacts(a)).map((f) => f.key);
  // coreutils timeout: the step fails naming the limit, and the run goes on with the next host
  const limited = a.timeout ? sh`{ fleet_rc=0; timeout -k 5 ${String(a.timeout)} ${run} || fleet_rc=$?; if [ $fleet_rc = 124 ] || [ $fleet_rc = 137 ]; then echo ${`timed out after ${a.timeout} s`}; fi; (exit $fleet_rc); }` : run;
  const inDirStep = a.chdir ? sh`cd ${a.chdir} && ${limited}` : limited;
  const step = fd3 === undefined ? inDirStep : carrying(inDirStep, fd3);
  return [{ summary: `run: ${shown}`, steps: [step], invalidates, unpredictable: !guarded || undefined }];
}

/** After the run the guard must hold, else the command did not do what its guard promised. */
export function verifyCommand(a: Guarded, after: GuardValues): string | undefined | false {
  if (a.creates && !after.creates) return `the command ran but ${inDir(a, a.creates)} still does not exist`;
  if (a.removes && after.removes) return `the command ran but ${inDir(a, a.removes)} still exists`;
  if (a.unless && !after.unless) return 'the command ran but the unless probe still fails';
  return a.creates || a.removes || a.unless ? undefined : false;
}
