// Integration suite: images built once, no leftovers before or after, and a count of real hosts.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { removeLabContainers } from '../../src/lab/docker.js';
import { ensureImage } from '../../src/lab/images.js';
import { STARTED_LOG } from '../../src/lab/lab.js';

export async function setup(): Promise<void> {
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE = 'localhost';
  const left = await removeLabContainers();
  if (left) console.log(`lab: removed ${left} leftover lab containers`);
  writeFileSync(STARTED_LOG, '');
  for (const kind of ['light', 'full'] as const) await ensureImage(kind, (l) => console.log(l));
}

export async function teardown(): Promise<void> {
  await removeLabContainers();
  const n = existsSync(STARTED_LOG) ? readFileSync(STARTED_LOG, 'utf8').split('\n').filter(Boolean).length : 0;
  console.log(`lab: ${n} real hosts started in this run; none left running`);
}
