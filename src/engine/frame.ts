// One exec per phase: probes (or change steps) are joined into one script whose output is framed
// by markers carrying a per-run nonce, then split back exactly.
import { randomBytes } from 'node:crypto';
import { requestLine, type Script, type WriterRequest } from '../shell/sh.js';
import type { BatchProgram, FactBatch } from '../types.js';
import { PUT_FUNCTION, usesWriter } from '../shell/writer.js';

export interface Framed {
  script: string;
  nonce: string;
  /** some step writes a file through the writer: run the script under it (writer.ts) */
  writer?: boolean;
}

export interface Section {
  out: string;
  code: number;
}

export const newNonce = (): string => `FLEET${randomBytes(8).toString('hex')}`;

export interface Probe {
  probe: Script;
  inline?: boolean;
  batch?: FactBatch;
}

/** Probes: each runs with no stdin (the script itself arrives on stdin) and no stderr; in a subshell
 *  unless it is marked inline (a brace group with redirections forks nothing). Probes of one batch
 *  program (two or more, or one where `lean`) run as one process, and each on its own only where that fails; `lean`
 *  (the host is known to have perl) leaves that fallback out, and a batch that fails leaves its
 *  sections missing. */
export function gatherScript(probes: readonly Probe[], nonce = newNonce(), lean = false): Framed {
  const section = ({ probe, inline }: Probe, i: number) =>
    `${beginMark(nonce, i)}\n${inline ? '{' : '('} ${probe.text}\n${inline ? '}' : ')'} </dev/null 2>/dev/null\n${endMark(nonce, i, '"$?"')}`;
  const batches = new Map<BatchProgram, number[]>();
  probes.forEach((p, i) => {
    if (!p.batch) return;
    const members = batches.get(p.batch.program);
    if (members) members.push(i);
    else batches.set(p.batch.program, [i]);
  });
  // a lone probe runs by itself (a program would cost as much), unless the host is known to have
  // the program: the file batch reads a file without a window for a link swapped in (file-batch.ts)
  for (const [program, members] of batches) if (members.length < 2 && !lean) batches.delete(program);
  const batched = new Set([...batches.values()].flat());
  const parts = probes.flatMap((p, i) => (batched.has(i) ? [] : [section(p, i)]));
  for (const [program, members] of batches) {
    const run = program.script(nonce, members.map((i) => ({ index: i, arg: probes[i]!.batch!.arg })));
    parts.push(lean ? run.text : `if ${run.text}; then :; else\n${members.map((i) => section(probes[i]!, i)).join('\n')}\nfi`);
  }
  return { script: `${parts.join('\n')}\n`, nonce };
}

export interface ApplyBlock {
  steps: readonly Script[];
  /** keep going after this block fails (ignore_errors) */
  continueOnError: boolean;
}

/** Changes: each block runs under `set -e` in a subshell, stdout+stderr captured; a failed block
 *  ends the script unless it may be ignored, so later changes never run on a broken host.
 *  A run of blocks that only write files or set owner/mode goes to the writer (writer.ts) as one
 *  batch where the host has it: no subshell, no round trip and no output write per block. `lean`
 *  (the host is known to have perl) leaves out the shell path of those runs: without the writer the
 *  run's first block fails. */
export function applyScript(blocks: readonly ApplyBlock[], nonce = newNonce(), header = '', lean = false): Framed {
  const end = (i: number, stop: boolean) => `${endMark(nonce, i, '"$fleet_rc"')}${stop ? `\n[ "$fleet_rc" -eq 0 ] || exit 0` : ''}`;
  const one = (b: ApplyBlock, i: number) => `${beginMark(nonce, i)}\n( set -e\n${b.steps.map((s) => s.text).join('\n')}\n) </dev/null 2>&1\nfleet_rc=$?\n${end(i, !b.continueOnError)}`;
  const parts: string[] = [];
  for (let i = 0; i < blocks.length; ) {
    const run = batchRun(blocks, i);
    if (run.length === 0) {
      parts.push(one(blocks[i]!, i));
      i++;
      continue;
    }
    const steps = run.flatMap((k) => blocks[k]!.steps.map((s) => ({ k, request: s.request! })));
    const once = writeOnce(steps.map((s) => s.request));
    const requests = once.flatMap((r) => (r ? [`'${requestLine(r)}' "\${FLEET_STATE:-}"`] : []));
    const count = new Map(run.map((k) => [k, 0]));
    steps.forEach((s, j) => {
      if (once[j]) count.set(s.k, count.get(s.k)! + 1);
    });
    const spec = run.map((k) => `${k}:${count.get(k)!}`).join(',');
    parts.push(`if [ -n "\${FLEET_WQ:-}" ] && printf '%s %s\\n' 'G ${nonce} ${spec}' - ${requests.join(' ')} >&"$FLEET_WQ"; then\nfleet_batch ${nonce} ${run[0]} || exit 0\nelse\n${lean ? `fleet_lost ${nonce} ${run[0]}; exit 0` : run.map((k) => one(blocks[k]!, k)).join('\n')}\nfi`);
    i += run.length;
  }
  const writer = blocks.some((b) => b.steps.some((s) => s.request !== undefined || usesWriter(s.text)));
  return { script: `umask 022\n${writer ? PUT_FUNCTION : ''}${header}${parts.join('\n')}\n`, nonce, writer };
}

/** In a batch nothing but the writer touches files, and nothing looks at them, until the batch
 *  ends; so a file that several tasks write is written once, where the first of them wrote it,
 *  with the last content and the mode the writes give together (the last mode given, else the old
 *  file's), checked against what the first write was planned on. The batch still stops there if
 *  that write fails. An owner/mode change of the path
 *  ends the run of writes. As in planning, a path names one file. */
export function writeOnce(requests: readonly WriterRequest[]): (WriterRequest | undefined)[] {
  const out: (WriterRequest | undefined)[] = [...requests];
  const first = new Map<string, number>();
  requests.forEach((r, i) => {
    if (r.op === 'A') return void first.delete(r.path);
    const at = first.get(r.path);
    if (at === undefined) return void first.set(r.path, i);
    const prev = out[at] as WriterRequest & { op: 'W' };
    // the file must still hold what the first of the writes was planned on
    out[at] = { ...r, mode: r.mode ?? prev.mode, expect: prev.expect };
    out[i] = undefined;
  });
  return out;
}

/** requests in one batch: bounds the sections the writer holds before it prints them */
const MAX_BATCH = 500;
const batchable = (b: ApplyBlock) => !b.continueOnError && b.steps.length > 0 && b.steps.every((s) => s.request !== undefined);

/** The batchable blocks from `start` on, up to MAX_BATCH requests (but at least one block). */
function batchRun(blocks: readonly ApplyBlock[], start: number): number[] {
  const run: number[] = [];
  let requests = 0;
  for (let k = start; k < blocks.length && batchable(blocks[k]!); k++) {
    requests += blocks[k]!.steps.length;
    if (requests > MAX_BATCH && run.length) break;
    run.push(k);
  }
  return run;
}

/** The section markers parseFramed reads: the end marker follows a newline of its own. */
const beginMark = (nonce: string, i: number) => `printf '%s\\n' '${nonce} B ${i}'`;
const endMark = (nonce: string, i: number, status: string) => `printf '\\n%s %s\\n' '${nonce} E ${i}' ${status}`;

/** Split framed output back into sections; a section that never ended is missing from the map.
 *  One pass over the markers: this runs on every exec's output, for every host. A begin marker
 *  need not start a line: what the host's shell prints before the script runs (a banner from
 *  ~/.bashrc or /etc/bash.bashrc, without a newline of its own) is glued to the first one. The
 *  markers stay exact (the run's nonce, and the line's end); an end marker follows the newline
 *  printed before it. */
export function parseFramed(stdout: string, nonce: string): Map<number, Section> {
  const out = new Map<number, Section>();
  let open: { i: number; start: number } | undefined;
  for (const m of stdout.matchAll(new RegExp(`${nonce} (?:B (\\d+)|E (\\d+) (\\d+))$`, 'gm'))) {
    if (m[1] !== undefined) open = { i: Number(m[1]), start: m.index + m[0].length + 1 };
    else if (open && Number(m[2]) === open.i && stdout[m.index - 1] === '\n') {
      out.set(open.i, { out: stdout.slice(open.start, m.index - 1), code: Number(m[3]) });
      open = undefined;
    }
  }
  return out;
}
