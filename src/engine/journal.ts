// The run journal on the controller: one JSON file per run (planned or applied), written atomically
// when the run starts, now and then while it runs, and when it ends, so an interrupted run still
// leaves its record. A run that died without ending it (SIGKILL, a crash, the machine lost) is told
// apart from a live one by the controller process it recorded (host name, pid, pid start time).
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-file.js';
import { homedir, hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { HostCounts, HostStatus, Mode, RolloutRecord } from './results.js';
import { stateDir } from './backups.js';
import { redactDeep } from '../secrets/registry.js';

export interface JournalHost {
  host: string;
  status: HostStatus | 'running';
  counts?: HostCounts;
  error?: string;
  /** where this run's backups are on the host */
  backups?: string;
}

export interface JournalEntry {
  id: string;
  mode: Mode;
  playbook: string;
  inventory?: string;
  startedAt: string;
  finishedAt?: string;
  state: 'running' | 'finished' | 'stopped';
  /** why a rollout stopped early */
  stopReason?: string;
  hosts: JournalHost[];
  /** per play: batches, health gates and the decision after each batch */
  rollout?: RolloutRecord[];
  rollbacks?: { at: string; hosts: { host: string; restored: string[]; failed: string[] }[] }[];
  /** the fleet process that ran it: while it lives the run is running, once it is gone abandoned */
  controller?: Controller;
}

export interface Controller {
  host: string;
  /** the controller's user: a journal directory shared by a project's operators lists everyone's runs */
  user?: string;
  pid: number;
  /** the pid's start time (Linux /proc, clock ticks since boot): a reused pid is not the run */
  pidStart?: number;
  /** Linux boot id: after a restart of the controller every recorded pid is gone */
  boot?: string;
}

/** What `fleet runs` shows: a `running` entry whose controller is gone is `abandoned`; one from
 *  another controller host cannot be checked from here (`running?`). */
export type RunState = JournalEntry['state'] | 'abandoned' | 'running?';

/** Linux: field 22 of /proc/PID/stat; elsewhere undefined (then only the pid is compared). */
export function pidStartOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may hold spaces: count from after it
    const start = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isFinite(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export const thisController = (): Controller => ({ host: hostname(), user: currentUser(), pid: process.pid, pidStart: pidStartOf(process.pid), boot: bootId() });

function currentUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

export interface ProcessProbe {
  host: string;
  /** this boot's id, when known */
  boot?: string;
  /** is this pid alive here, and (when known) started at `start`? */
  alive(pid: number, start?: number): boolean;
}

export const localProbe: ProcessProbe = {
  host: hostname(),
  boot: bootId(),
  alive(pid, start) {
    try {
      process.kill(pid, 0);
    } catch (e) {
      // EPERM: alive, someone else's process
      if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
    }
    if (start === undefined) return true;
    const now = pidStartOf(pid);
    return now === undefined || now === start;
  },
};

/** Pure given the probe: the state to show. */
export function runState(e: Pick<JournalEntry, 'state' | 'controller'>, probe: ProcessProbe = localProbe): RunState {
  if (e.state !== 'running') return e.state;
  if (!e.controller || e.controller.host !== probe.host) return 'running?';
  const c = e.controller;
  if (c.boot && probe.boot && c.boot !== probe.boot) return 'abandoned';
  return probe.alive(c.pid, c.pidStart) ? 'running' : 'abandoned';
}

/** One line on why a run shows as it does, for `fleet runs show` and the next run's note. */
export function stateNote(e: Pick<JournalEntry, 'state' | 'controller'>, probe: ProcessProbe = localProbe): string | undefined {
  const s = runState(e, probe);
  const c = e.controller;
  if (s === 'abandoned') return `abandoned: its controller process (pid ${c!.pid} on ${c!.host}) is gone without ending the run (killed, crashed or the machine restarted); the hosts' outcome is unknown`;
  if (s === 'running?') return c ? `recorded as running by pid ${c.pid} on controller ${c.host}, which cannot be checked from ${probe.host}` : 'recorded as running by a fleet that did not record its process; cannot tell whether it still runs';
  return undefined;
}

export const newRunId = (): string => `${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(2).toString('hex')}`;

export class Journal {
  constructor(readonly dir: string = process.env.FLEET_JOURNAL_DIR ?? join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'fleet', 'runs')) {}

  write(entry: JournalEntry): void {
    // the entries can quote host errors and paths: the directory is the user's own
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, `${entry.id}.json`);
    writeFileAtomic(file, `${JSON.stringify(redactDeep(entry), null, 2)}\n`);
  }

  read(id: string): JournalEntry {
    try {
      return JSON.parse(readFileSync(join(this.dir, `${id}.json`), 'utf8')) as JournalEntry;
    } catch {
      const known = this.list().slice(0, 5).map((e) => e.id);
      throw new Error(`no run '${id}' in the journal (${this.dir})${known.length ? `; recent: ${known.join(', ')}` : ''}`);
    }
  }

  /** newest first; `o.recent`: only the newest that many, `o.running`: only entries still recorded as running */
  list(o: { recent?: number; running?: boolean } = {}): JournalEntry[] {
    let files: string[];
    try {
      files = readdirSync(this.dir).filter((f) => f.endsWith('.json'));
    } catch {
      return [];
    }
    return files
      .sort()
      .reverse()
      .slice(0, o.recent)
      .flatMap((f) => {
        try {
          const text = readFileSync(join(this.dir, f), 'utf8');
          // every run looks for abandoned ones when it starts: the finished ones are not parsed
          if (o.running && !text.includes('"state": "running"')) return [];
          const e = JSON.parse(text) as JournalEntry;
          return o.running && e.state !== 'running' ? [] : [e];
        } catch {
          return []; // unreadable or not JSON: not a run this fleet wrote
        }
      });
  }
}

export const backupsOf = (runId: string, mode: Mode) => (mode === 'apply' ? stateDir(runId) : undefined);

/** Applies that died while working on some of `hosts`, newest first, with those hosts: a run on
 *  them says so (their state may be half of that run's changes; its backups are still there). */
export function abandonedOn(entries: readonly JournalEntry[], hosts: readonly string[], probe: ProcessProbe = localProbe): { entry: JournalEntry; hosts: string[] }[] {
  const wanted = new Set(hosts);
  return entries.flatMap((entry) => {
    if (entry.mode !== 'apply' || runState(entry, probe) !== 'abandoned') return [];
    const cut = entry.hosts.filter((h) => h.status === 'running' && wanted.has(h.host)).map((h) => h.host);
    return cut.length ? [{ entry, hosts: cut }] : [];
  });
}
