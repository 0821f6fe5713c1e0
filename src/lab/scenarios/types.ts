import type { HostKind } from '../images.js';

export interface ScenarioHost {
  name: string;
  ip: string;
  scenarios: string[];
  exec(cmd: string, opts?: { stdin?: string }): Promise<{ stdout: string; stderr: string; code: number }>;
}

/** Puts a host into a known starting state: create-time environment, then shell after boot. */
export interface Scenario {
  name: string;
  /** what the stand-in does not reproduce (README) */
  limits: string;
  kind: HostKind;
  env?: Record<string, string>;
  /** lower runs first (an upstream before the hosts that use it) */
  phase?: number;
  setup?(host: ScenarioHost, all: ScenarioHost[]): Promise<void>;
}

/** Run a setup script on a host; a failure names the scenario and shows the output. */
export async function sh(host: ScenarioHost, scenario: string, script: string): Promise<string> {
  const r = await host.exec(`set -e\n${script}`);
  if (r.code !== 0) throw new Error(`lab scenario ${scenario} on ${host.name} failed (${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ')}`);
  return r.stdout;
}
