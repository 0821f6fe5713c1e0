// Integration suite: images built once, no leftovers before or after, and a count of real hosts.
// Labs of other processes on this engine (a benchmark, a user's `fleet lab up`) are left alone.
import { existsSync, readFileSync } from 'node:fs';
import { ensureImage } from '../../src/lab/images.js';
import { STARTED_LOG } from '../../src/lab/lab.js';
import { removeLabLeftovers } from '../../src/lab/leftovers.js';

export async function setup(): Promise<void> {
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE = 'localhost';
  // workers inherit this: their labs belong to this run, and teardown removes exactly those
  process.env.FLEET_LAB_OWNER = String(process.pid);
  const left = await removeLabLeftovers();
  if (left) console.log(`lab: removed ${left} leftover lab containers from earlier runs`);
  for (const kind of ['light', 'full'] as const) await ensureImage(kind, (l) => console.log(l));
}

export async function teardown(): Promise<void> {
  await removeLabLeftovers({ owner: String(process.pid) });
  await removeLabLeftovers();
  const n = existsSync(STARTED_LOG) ? readFileSync(STARTED_LOG, 'utf8').split('\n').filter((l) => l.startsWith(`${process.pid} `)).length : 0;
  console.log(`lab: ${n} hosts started in this run; none left running`);
}
