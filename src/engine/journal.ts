// The run journal on the controller: one JSON file per run (planned or applied), written atomically
// when the run starts and again when it ends, so an interrupted run still leaves its record.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-file.js';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { HostCounts, HostStatus, Mode } from './results.js';
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
  rollbacks?: { at: string; hosts: { host: string; restored: string[]; failed: string[] }[] }[];
}

export const newRunId = (): string => `${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(2).toString('hex')}`;

export class Journal {
  constructor(readonly dir: string = process.env.FLEET_JOURNAL_DIR ?? join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'fleet', 'runs')) {}

  write(entry: JournalEntry): void {
    mkdirSync(this.dir, { recursive: true });
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

  /** newest first */
  list(): JournalEntry[] {
    let files: string[];
    try {
      files = readdirSync(this.dir).filter((f) => f.endsWith('.json'));
    } catch {
      return [];
    }
    return files
      .sort()
      .reverse()
      .map((f) => JSON.parse(readFileSync(join(this.dir, f), 'utf8')) as JournalEntry);
  }
}

export const backupsOf = (runId: string, mode: Mode) => (mode === 'apply' ? stateDir(runId) : undefined);
