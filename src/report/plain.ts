// One line per event that matters: for logs, CI and pipes.
import type { RunEvent } from '../engine/results.js';
import { batchStartLine, decisionLine, gateLine, hostStatusLabel, taskDetails, taskLine } from './format.js';
import type { Reporter } from './reporter.js';
import type { Style } from './style.js';

export interface PlainOptions {
  write(line: string): void;
  style: Style;
  diff: boolean;
  /** also print ok and skipped tasks */
  verbose: boolean;
  /** print task lines (default true); a dry run's follow as the plan, after it */
  tasks?: boolean;
}

export function plainReporter(o: PlainOptions): Reporter {
  // a host's task lines arrive together, before its host-end: written at once, as one write
  // (to a pipe, each write is a system call: thousands of task results would cost as many)
  let lines: string[] = [];
  // a dry run's batches are not the apply's (it runs only where something changes): its batch
  // lines would mislead; only a decision that stops it is news
  let apply = false;
  const flush = () => {
    if (lines.length) o.write(lines.join('\n'));
    lines = [];
  };
  return {
    listener(e: RunEvent) {
      if (e.type === 'host-task') return;
      if (e.type !== 'task') flush();
      switch (e.type) {
        case 'run-start':
          apply = e.mode === 'apply';
          break;
        case 'batch-start':
          if (apply && e.of > 1) o.write(batchStartLine(e.play, e.index, e.of, e.hosts, e.canary, o.style));
          break;
        case 'health':
          o.write(gateLine(e.gate, o.style));
          break;
        case 'batch-end':
          if (e.batch.decision?.stop || (apply && (e.of > 1 || e.batch.gates.length))) o.write(decisionLine(e.play, e.batch, e.of, o.style));
          break;
        case 'play-start':
          o.write(o.style.bold(`PLAY ${e.play} — ${e.hosts.length} host${e.hosts.length === 1 ? '' : 's'}`));
          break;
        case 'task': {
          const r = e.result;
          if (o.tasks === false) break;
          // a gate's line (its command, exit status, cause, duration) says it; -v adds its output
          if (r.health && !o.verbose) break;
          // a findings-only task is ok (it changes nothing) but what it found is news
          if (!o.verbose && (r.status === 'ok' || r.status === 'skipped') && !r.checks?.some((c) => c.status === 'finding')) break;
          lines.push(taskLine(e.host, r, o.style), ...taskDetails(r, o.style, o.diff));
          break;
        }
        case 'host-end': {
          const h = e.report;
          const gate = h.error?.startsWith('health gate ');
          if (h.status === 'unreachable' || h.status === 'refused' || (h.error && !gate)) o.write(`${o.style.bold(e.host)}  ${hostStatusLabel(h.status, o.style)}  ${h.error ?? ''}`);
          break;
        }
        default:
      }
    },
    async finish() {
      flush();
    },
  };
}
