// One line per event that matters: for logs, CI and pipes.
import type { RunEvent } from '../engine/results.js';
import { taskDetails, taskLine } from './format.js';
import type { Reporter } from './reporter.js';
import type { Style } from './style.js';

export interface PlainOptions {
  write(line: string): void;
  style: Style;
  diff: boolean;
  /** also print ok and skipped tasks */
  verbose: boolean;
}

export function plainReporter(o: PlainOptions): Reporter {
  return {
    listener(e: RunEvent) {
      switch (e.type) {
        case 'play-start':
          o.write(o.style.bold(`PLAY ${e.play} — ${e.hosts.length} host${e.hosts.length === 1 ? '' : 's'}`));
          break;
        case 'task': {
          const r = e.result;
          // a findings-only task is ok (it changes nothing) but what it found is news
          if (!o.verbose && (r.status === 'ok' || r.status === 'skipped') && !r.checks?.some((c) => c.status === 'finding')) break;
          o.write(taskLine(e.host, r, o.style));
          for (const l of taskDetails(r, o.style, o.diff)) o.write(l);
          break;
        }
        case 'host-end': {
          const h = e.report;
          if (h.status === 'unreachable') o.write(`${o.style.bold(e.host)}  ${o.style.red('UNREACHABLE')}  ${h.error ?? ''}`);
          else if (h.error) o.write(`${o.style.bold(e.host)}  ${o.style.red('FAILED')}  ${h.error}`);
          break;
        }
        default:
      }
    },
    async finish() {},
  };
}
