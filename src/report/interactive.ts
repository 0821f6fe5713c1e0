// On a TTY: one listr2 row per host showing its current step, then its outcome.
import { Listr, type ListrTaskWrapper, type DefaultRenderer, type SimpleRenderer } from 'listr2';
import { isBadHost, type HostReport, type RunEvent } from '../engine/results.js';
import type { Reporter } from './reporter.js';
import type { Style } from './style.js';

type Row = ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof SimpleRenderer>;

export function interactiveReporter(style: Style): Reporter {
  const rows = new Map<string, { row?: Row; done: (r: HostReport) => void; ended?: HostReport }>();
  let list: Promise<unknown> | undefined;
  let changedWord = 'changed';
  const summary = (h: HostReport) => {
    const c = h.counts;
    if (h.status === 'unreachable' || h.status === 'refused' || h.status === 'stopped') return style.red(h.error?.startsWith(h.status) ? h.error : `${h.status}: ${h.error ?? ''}`);
    const failed = h.tasks.find((t) => t.status === 'failed' && !t.ignored);
    if (h.status === 'failed') return style.red(`failed: ${failed ? `${failed.task}: ${failed.reason}` : (h.error ?? '')}`);
    return `ok=${c.ok} ${c.changed ? style.yellow(`${changedWord}=${c.changed}`) : `${changedWord}=0`} skipped=${c.skipped}`;
  };
  return {
    listener(e: RunEvent) {
      if (e.type === 'run-start') {
        changedWord = e.mode === 'check' ? 'would change' : 'changed';
        const tasks = e.hosts.map((host) => {
          let done!: (r: HostReport) => void;
          const ended = new Promise<HostReport>((res) => (done = res));
          rows.set(host, { done });
          return {
            title: host,
            task: async (_ctx: unknown, row: Row) => {
              rows.get(host)!.row = row;
              const r = await ended;
              row.title = `${host}  ${summary(r)}`;
              if (isBadHost(r.status) || r.status === 'stopped') throw new Error(row.title);
            },
          };
        });
        list = new Listr(tasks, { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false } }).run().catch(() => undefined);
      } else if (e.type === 'host-phase') {
        const r = rows.get(e.host)?.row;
        if (r) r.output = e.phase;
      } else if (e.type === 'task') {
        const r = rows.get(e.host)?.row;
        if (r) r.output = `${e.result.status}: ${e.result.task}`;
      } else if (e.type === 'host-end') {
        // a host may run several plays: settle its row at the end of the run
        const entry = rows.get(e.host);
        if (entry) entry.ended = e.report;
      } else if (e.type === 'run-end') {
        for (const [host, entry] of rows) entry.done(entry.ended ?? e.report.hosts.find((h) => h.host === host)!);
      }
    },
    async finish() {
      await list;
    },
  };
}
