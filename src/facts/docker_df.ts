// What `docker system df` says could be reclaimed now, per type (images, containers, volumes,
// build cache). Sizes change all the time: a saved plan does not depend on them.
import { raw } from '../shell/sh.js';
import type { Fact } from '../types.js';

export interface DockerDfRow {
  type: string;
  total: number;
  active: number;
  size: number;
  reclaimable: number;
}
export interface DockerDf {
  /** docker system df answered */
  known: boolean;
  rows: DockerDfRow[];
}

const UNITS: Record<string, number> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, PB: 1e15 };

/** Docker's human sizes ("1.333GB (100%)", "12.5kB", "0B") in bytes. */
export function parseSize(s: string): number {
  const m = /^([\d.]+)\s*([kKMGTP]?B)/.exec(s.trim());
  return m ? Math.round(Number(m[1]) * (UNITS[m[2]!] ?? 1)) : 0;
}

/** Bytes as Docker writes them (decimal units). */
export function formatSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : Number(v.toPrecision(4))}${units[i]}`;
}

export function dockerDfFact(): Fact<DockerDf> {
  return {
    key: 'docker:df',
    probe: raw(`command -v docker >/dev/null && timeout 30 docker system df --format '{{json .}}' 2>/dev/null || true`),
    fingerprint: (v) => ({ known: v.known }),
    parse(out) {
      const rows: DockerDfRow[] = [];
      for (const line of out.split('\n')) {
        if (!line.trim().startsWith('{')) continue;
        try {
          const o = JSON.parse(line) as Record<string, string>;
          rows.push({ type: o.Type ?? '', total: Number(o.TotalCount ?? 0), active: Number(o.Active ?? 0), size: parseSize(o.Size ?? ''), reclaimable: parseSize(o.Reclaimable ?? '') });
        } catch {
          // not a row
        }
      }
      return { known: rows.length > 0, rows };
    },
  };
}
