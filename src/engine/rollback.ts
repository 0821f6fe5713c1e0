// Undo a run on hosts from what it recorded there (see backups.ts).
import { rollbackScript } from './backups.js';
import type { Remote } from './remote.js';
import type { RollbackReport } from './results.js';

export async function rollbackHost(host: string, remote: Remote, runId: string): Promise<RollbackReport> {
  try {
    const r = await remote.run(rollbackScript(runId));
    const lines = r.stdout.split('\n').filter(Boolean);
    const rep: RollbackReport = { host, restored: lines.filter((l) => l.startsWith('restored ')).map((l) => l.slice(9)), failed: lines.filter((l) => l.startsWith('cannot restore ')).map((l) => l.slice(15)) };
    if (r.code !== 0) rep.error = `rollback script failed (exit ${r.code}): ${r.stderr.trim().split('\n').pop() ?? ''}`;
    const note = lines.find((l) => l.startsWith('nothing recorded') || l.startsWith('already rolled back'));
    if (note) rep.error = note;
    return rep;
  } catch (e) {
    return { host, restored: [], failed: [], error: (e as Error).message };
  }
}
