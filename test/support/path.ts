// PATH directories that hold only some commands, or all of the system's but some, to run a
// script as it would run on a host that has (or lacks) them.
import { existsSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SYSTEM = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'];

function pathOf(keep: (name: string) => boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-path-'));
  for (const sys of SYSTEM) {
    if (!existsSync(sys)) continue;
    for (const name of readdirSync(sys)) if (keep(name) && !existsSync(join(dir, name))) symlinkSync(join(sys, name), join(dir, name));
  }
  return dir;
}

export const onlyOnPath = (...names: string[]): string => pathOf((n) => names.includes(n));
export const withoutOnPath = (...names: string[]): string => pathOf((n) => !names.includes(n));
