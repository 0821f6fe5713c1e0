// Undo a run on hosts from what it recorded there (see backups.ts). The manifest is read first and
// checked here (manifest.ts): the undo script acts only on entries fleet itself can have written,
// each value quoted; a line that is not one is reported, never acted on.
import { manifestReadScript, rollbackScript } from './backups.js';
import { parseManifest, type ManifestEntry } from './manifest.js';
import type { Remote } from './remote.js';
import type { RollbackReport } from './results.js';

/** What undoing one entry does, as the preview says it. */
export function describeUndo(e: ManifestEntry): string {
  switch (e.kind) {
    case 'file':
      return `put back the previous ${e.path}`;
    case 'created':
      return `remove ${e.path} (the run created it)`;
    case 'pkg':
      return e.version === '-' ? `remove package ${e.name} (the run installed it)` : `install package ${e.name} ${e.version} again`;
    case 'hold':
      return `${e.held ? 'hold' : 'unhold'} package ${e.name}`;
    case 'service':
      return `${e.active ? 'start' : 'stop'} service ${e.name}${e.enabled === '-' ? '' : ` and ${e.enabled === 'enabled' ? 'enable' : 'disable'} it at boot`}`;
  }
}

/** Undo a run on one host. `check`: only read what it recorded and say what undoing it does
 *  (`planned`, newest first); nothing is changed. */
export async function rollbackHost(host: string, remote: Remote, runId: string, check = false): Promise<RollbackReport> {
  try {
    const read = await remote.run(manifestReadScript(runId));
    const [status = '', ...rest] = read.stdout.split('\n');
    if (read.code !== 0 || !status.startsWith('fleet-rb ')) return { host, restored: [], failed: [], error: `cannot read the run's manifest (exit ${read.code}): ${read.stderr.trim().split('\n').pop() ?? ''}` };
    if (status === 'fleet-rb none') return { host, restored: [], failed: [], error: `nothing recorded for run ${runId.replace(/[^\w.-]/g, '')} on this host` };
    if (status.startsWith('fleet-rb done')) return { host, restored: [], failed: [], error: `already rolled back at ${status.slice(14)}` };
    const manifest = parseManifest(rest.join('\n'));
    const refused = manifest.refused.map((r) => `manifest line ${r.line} (${r.text}): refused, ${r.why}`);
    if (check) return { host, restored: [], failed: refused, planned: [...manifest.entries].reverse().map(describeUndo) };
    const r = await remote.run(rollbackScript(runId, manifest.entries));
    const lines = r.stdout.split('\n').filter(Boolean);
    const rep: RollbackReport = { host, restored: lines.filter((l) => l.startsWith('restored ')).map((l) => l.slice(9)), failed: [...refused, ...lines.filter((l) => l.startsWith('cannot restore ')).map((l) => l.slice(15))] };
    if (r.code !== 0) rep.error = `rollback script failed (exit ${r.code}): ${r.stderr.trim().split('\n').pop() ?? ''}`;
    const note = lines.find((l) => l.startsWith('already rolled back'));
    if (note) rep.error = note;
    // what could not be restored stays to do: the next rollback of this run tries it again
    if (lines.includes('fleet-rb incomplete')) rep.incomplete = true;
    return rep;
  } catch (e) {
    return { host, restored: [], failed: [], error: (e as Error).message };
  }
}
