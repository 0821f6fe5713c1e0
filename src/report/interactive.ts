// On a TTY: listr2 rows while the run goes — a first row with the counters (hosts done / failed /
// remaining, elapsed, the batch being rolled out), then one row per host with the task it is at.
// At the end the rows are cleared and, after an apply, one line of final counters stays: the recap
// that follows is the one final block (the rows would only say again, less well, what it says).
import { Listr, type ListrTaskWrapper, type DefaultRenderer, type SimpleRenderer } from 'listr2';
import { isBadHost, type HostReport, type HostStatus, type RunEvent } from '../engine/results.js';
import { seconds } from '../engine/rollout.js';
import type { Reporter } from './reporter.js';
import type { Style } from './style.js';

type Row = ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof SimpleRenderer>;

export interface Counters {
  total: number;
  done: number;
  failed: number;
  /** ms since the run started */
  elapsed: number;
  /** "batch 2/3 of play 'x'" while a rollout of several batches runs */
  batch?: string;
  /** the gate results seen: passed / failed */
  gates?: { ok: number; failed: number };
}

/** `2 done, 1 failed, 3 remaining of 6 hosts · 4.2 s · batch 2/3 of play 'x'` */
export function countersText(c: Counters, s: Style): string {
  const remaining = c.total - c.done - c.failed;
  const gates = c.gates && c.gates.ok + c.gates.failed ? ` · gates ${c.gates.ok} passed${c.gates.failed ? `, ${s.red(`${c.gates.failed} failed`)}` : ''}` : '';
  return `${c.done} done, ${c.failed ? s.red(`${c.failed} failed`) : '0 failed'}, ${remaining} remaining of ${c.total} host${c.total === 1 ? '' : 's'} · ${seconds(c.elapsed)}${c.batch ? ` · ${c.batch}` : ''}${gates}`;
}

const ended = (s: HostStatus) => isBadHost(s) || s === 'stopped';

export function interactiveReporter(style: Style, write?: (line: string) => void): Reporter {
  const rows = new Map<string, { row?: Row; ended?: HostReport }>();
  let header: Row | undefined;
  let list: Promise<unknown> | undefined;
  let finished!: () => void;
  const done = new Promise<void>((res) => (finished = res));
  let timer: NodeJS.Timeout | undefined;
  let started = Date.now();
  const c: Counters = { total: 0, done: 0, failed: 0, elapsed: 0 };
  const gates = { ok: 0, failed: 0 };
  // a dry run's rows give way to the plan: no final line then
  let apply = false;
  // a host's status as its last host-end says, while it is not being worked on
  const settled = new Map<string, HostStatus>();
  const count = () => {
    c.elapsed = Date.now() - started;
    c.done = [...settled.values()].filter((s) => !ended(s)).length;
    c.failed = [...settled.values()].filter(ended).length;
    c.gates = gates;
    if (header) header.title = countersText(c, style);
  };
  return {
    listener(e: RunEvent) {
      if (e.type === 'run-start') {
        started = Date.now();
        apply = e.mode === 'apply';
        c.total = e.hosts.length;
        const hostRows = e.hosts.map((host) => {
          rows.set(host, {});
          return {
            title: host,
            task: async (_ctx: unknown, row: Row) => {
              rows.get(host)!.row = row;
              await done;
              const r = rows.get(host)!.ended;
              if (r && ended(r.status)) throw new Error(`${host}  ${r.status}`);
            },
          };
        });
        const top = {
          title: countersText(c, style),
          task: async (_ctx: unknown, row: Row) => {
            header = row;
            count();
            await done;
          },
        };
        list = new Listr([top, ...hostRows], { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false, clearOutput: true } }).run().catch(() => undefined);
        timer = setInterval(count, 1000);
        timer.unref();
      } else if (e.type === 'batch-start') {
        if (e.of > 1 && apply) c.batch = `batch ${e.index}/${e.of} of play '${e.play}'${e.canary ? ' (canary)' : ''}`;
        count();
      } else if (e.type === 'host-phase') {
        settled.delete(e.host);
        const r = rows.get(e.host)?.row;
        if (r) r.output = e.phase === 'health' ? 'health gates' : e.phase;
        count();
      } else if (e.type === 'host-task') {
        const r = rows.get(e.host)?.row;
        if (r) r.output = e.status ? `${e.status}: ${e.task}` : e.task;
      } else if (e.type === 'health') {
        gates[e.gate.ok ? 'ok' : 'failed']++;
        const r = rows.get(e.gate.host)?.row;
        if (r) r.output = `${e.gate.ok ? 'gate ok' : 'GATE FAILED'}: ${e.gate.task}`;
        count();
      } else if (e.type === 'host-end') {
        const entry = rows.get(e.host);
        if (entry) entry.ended = e.report;
        settled.set(e.host, e.report.status);
        if (entry?.row) entry.row.output = e.report.status;
        count();
      } else if (e.type === 'run-end') {
        for (const h of e.report.hosts) {
          settled.set(h.host, h.status);
          const entry = rows.get(h.host);
          if (entry) entry.ended = h;
        }
        c.batch = undefined;
        count();
      }
    },
    async finish() {
      clearInterval(timer);
      finished();
      await list;
      // what the counters came to: the one line the cleared rows leave
      if (write && apply && c.total) write(style.dim(countersText(c, style)));
    },
  };
}
