// Which lab containers are leftovers. Several labs can run on one engine at once (a test run, a
// benchmark, a user's `fleet lab up`), so cleanup removes only containers whose owning process is
// gone, never a lab kept on purpose, and a test run's teardown removes exactly its own.
import { docker, LABEL, run } from './docker.js';

export interface LabContainer {
  id: string;
  labels: Record<string, string>;
}

/** Labels naming who owns a lab container. Workers of a test run inherit FLEET_LAB_OWNER from
 *  the global setup, so their labs belong to the run, not to the short-lived worker. */
export const labOwner = (): string => process.env.FLEET_LAB_OWNER ?? String(process.pid);

export function ownerLabels(persistent: boolean): Record<string, string> {
  return persistent ? { [`${LABEL}.keep`]: '1' } : { [`${LABEL}.owner`]: labOwner() };
}

/** Pure: the ids to remove. With `owner`, that owner's containers; otherwise every container not
 *  kept on purpose whose owner process is not alive (or that names no owner). */
export function selectLeftovers(cs: LabContainer[], opts: { owner?: string; alive: (pid: number) => boolean }): string[] {
  return cs
    .filter((c) => {
      if (c.labels[`${LABEL}.keep`] === '1') return false;
      const o = c.labels[`${LABEL}.owner`];
      if (opts.owner !== undefined) return o === opts.owner;
      const pid = Number(o);
      return !o || !Number.isInteger(pid) || pid <= 0 || !opts.alive(pid);
    })
    .map((c) => c.id);
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function labContainers(): Promise<LabContainer[]> {
  const ids = (await docker(['ps', '-aq', '--filter', `label=${LABEL}`])).split('\n').filter(Boolean);
  if (!ids.length) return [];
  const out = await docker(['inspect', '--format', '{{.Id}} {{json .Config.Labels}}', ...ids]).catch(() => '');
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ id: l.slice(0, l.indexOf(' ')), labels: (JSON.parse(l.slice(l.indexOf(' ') + 1)) as Record<string, string> | null) ?? {} }));
}

/** Remove leftover lab containers (see selectLeftovers); returns how many. */
export async function removeLabLeftovers(opts: { owner?: string } = {}): Promise<number> {
  const ids = selectLeftovers(await labContainers(), { owner: opts.owner, alive: processAlive });
  if (ids.length) await run('docker', ['rm', '-f', '-v', ...ids]);
  return ids.length;
}
