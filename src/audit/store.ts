// The last audit of each inventory (and --limit), kept beside the run journal (~/.local/state/fleet/
// audits), so the next audit can say what is new and what was resolved since.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Journal } from '../engine/journal.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { redactDeep } from '../secrets/registry.js';
import { AUDIT_VERSION, type AuditReport } from './model.js';

export function lastAudit(inventory: string | undefined, limit: string | undefined, dir = join(dirname(new Journal().dir), 'audits')): { previous?: AuditReport; save(r: AuditReport): void } {
  const file = join(dir, `${createHash('sha256').update(JSON.stringify([inventory ?? '', limit ?? ''])).digest('hex').slice(0, 16)}.json`);
  let previous: AuditReport | undefined;
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as AuditReport;
    if (r.version === AUDIT_VERSION) previous = r;
  } catch {
    // none kept yet, or unreadable: the report says no earlier audit is kept
  }
  return {
    previous,
    save(r) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileAtomic(file, `${JSON.stringify(redactDeep({ ...r, since: undefined }))}\n`);
    },
  };
}
