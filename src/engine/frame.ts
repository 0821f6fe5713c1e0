// One exec per phase: probes (or change steps) are joined into one script whose output is framed
// by markers carrying a per-run nonce, then split back exactly.
import { randomBytes } from 'node:crypto';
import type { Script } from '../shell/sh.js';

export interface Framed {
  script: string;
  nonce: string;
}

export interface Section {
  out: string;
  code: number;
}

export const newNonce = (): string => `FLEET${randomBytes(8).toString('hex')}`;

export interface Probe {
  probe: Script;
  inline?: boolean;
}

/** Probes: each runs with no stdin (the script itself arrives on stdin) and no stderr; in a subshell
 *  unless it is marked inline (a brace group with redirections forks nothing). */
export function gatherScript(probes: readonly Probe[], nonce = newNonce()): Framed {
  const parts = probes.map(
    ({ probe, inline }, i) => `printf '%s\\n' '${nonce} B ${i}'\n${inline ? '{' : '('} ${probe.text}\n${inline ? '}' : ')'} </dev/null 2>/dev/null\nprintf '\\n%s %s\\n' '${nonce} E ${i}' "$?"`,
  );
  return { script: `${parts.join('\n')}\n`, nonce };
}

export interface ApplyBlock {
  steps: readonly Script[];
  /** keep going after this block fails (ignore_errors) */
  continueOnError: boolean;
}

/** Changes: each block runs under `set -e` in a subshell, stdout+stderr captured; a failed block
 *  ends the script unless it may be ignored, so later changes never run on a broken host. */
export function applyScript(blocks: readonly ApplyBlock[], nonce = newNonce(), header = ''): Framed {
  const parts = blocks.map((b, i) => {
    const body = b.steps.map((s) => s.text).join('\n');
    const stop = b.continueOnError ? '' : `\n[ "$fleet_rc" -eq 0 ] || exit 0`;
    return `printf '%s\\n' '${nonce} B ${i}'\n( set -e\n${body}\n) </dev/null 2>&1\nfleet_rc=$?\nprintf '\\n%s %s\\n' '${nonce} E ${i}' "$fleet_rc"${stop}`;
  });
  return { script: `umask 022\n${header}${parts.join('\n')}\n`, nonce };
}

/** Split framed output back into sections; a section that never ended is missing from the map. */
export function parseFramed(stdout: string, nonce: string): Map<number, Section> {
  const out = new Map<number, Section>();
  const begin = new RegExp(`^${nonce} B (\\d+)$`, 'gm');
  let m: RegExpExecArray | null;
  while ((m = begin.exec(stdout))) {
    const i = Number(m[1]);
    const start = m.index + m[0].length + 1;
    const endRe = new RegExp(`\\n${nonce} E ${i} (\\d+)\\n`, 'g');
    endRe.lastIndex = start - 1;
    const e = endRe.exec(stdout);
    if (!e) continue;
    out.set(i, { out: stdout.slice(start, e.index), code: Number(e[1]) });
    begin.lastIndex = e.index + e[0].length;
  }
  return out;
}
