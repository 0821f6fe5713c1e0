// A throwaway network namespace for tests that must really change iptables rules or net.* sysctls
// without touching the machine's own: probes and steps run inside it, framed as the engine frames
// them on a host.
import { spawnSync } from 'node:child_process';
import type { Change, FactMap, FactValues } from '../../src/types.js';

/** Why namespace tests cannot run here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (ip netns add)';
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `'ip netns' is unavailable: ${r.error?.message ?? r.stderr.trim()}`;
  return undefined;
}

export class NetNs {
  readonly name = `fleet-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  /** PATH inside, e.g. with a directory that maps `iptables` to the legacy backend first */
  constructor(private readonly path = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin') {
    const r = spawnSync('ip', ['netns', 'add', this.name], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip netns add ${this.name}: ${r.stderr}`);
  }

  sh(script: string): { stdout: string; stderr: string; status: number } {
    const r = spawnSync('ip', ['netns', 'exec', this.name, '/bin/sh', '-c', script], { encoding: 'utf8', env: { ...process.env, PATH: this.path } });
    return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? 1 };
  }

  gather<F extends FactMap>(facts: F): FactValues<F> {
    const out: Record<string, unknown> = {};
    for (const [name, fact] of Object.entries(facts)) {
      const r = this.sh(`( ${fact.probe.text}\n) 2>/dev/null`);
      out[name] = fact.parse(r.stdout, r.status);
    }
    return out as FactValues<F>;
  }

  apply(changes: Change[]): void {
    for (const c of changes) {
      const r = this.sh(`( set -e\n${c.steps.map((s) => s.text).join('\n')}\n)`);
      if (r.status !== 0) throw new Error(`step failed (${r.status}) for "${c.summary}": ${r.stdout}${r.stderr}`);
    }
  }

  delete(): void {
    spawnSync('ip', ['netns', 'delete', this.name]);
  }
}
