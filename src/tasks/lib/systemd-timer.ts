// A script run by a systemd service on a timer, as fleet installs it: the script and both unit
// files written atomically (each a change with its diff), daemon-reload, the timer enabled and
// started — restarted when its unit changed, so a new interval takes effect. `absent` stops and
// disables the timer and removes all three files. Shared by docker_watchdog and docker_prune.
import { backup, sh, type Script } from '../../shell/sh.js';
import { fileFact, type FileState } from '../../facts/file.js';
import { serviceFact, type ServiceState } from '../../facts/service.js';
import type { Change, FactValues, Plan } from '../../types.js';
import { planContent } from './content.js';

export interface TimerSpec {
  /** unit name without suffix: fleet-docker-watchdog -> .service, .timer */
  name: string;
  scriptPath: string;
  script: string;
  service: string;
  timer: string;
  /** what the timer does, for summaries: 'checks dockerd every 30 s' */
  what: string;
}

export const unitPath = (name: string, suffix: 'service' | 'timer') => `/etc/systemd/system/${name}.${suffix}`;

export function timerFacts(name: string, scriptPath: string) {
  return {
    script: fileFact(scriptPath),
    service: fileFact(unitPath(name, 'service')),
    timer: fileFact(unitPath(name, 'timer')),
    timerState: serviceFact(`${name}.timer`),
  };
}
export type TimerNow = FactValues<ReturnType<typeof timerFacts>>;

const keysOf = (name: string, scriptPath: string) => Object.values(timerFacts(name, scriptPath)).map((f) => f.key);

export function needSystemd(state: ServiceState, type: string): void {
  if (state.manager !== 'systemd') throw new Error(`${type} needs systemd (timers): this host has none (guard the task with 'when: facts.systemd')`);
}

export function planTimerPresent(t: TimerSpec, now: TimerNow): Plan {
  needSystemd(now.timerState, 'this task');
  const keys = keysOf(t.name, t.scriptPath);
  const changes: Change[] = [];
  const files: [string, FileState, string, string][] = [
    [t.scriptPath, now.script, t.script, '0755'],
    [unitPath(t.name, 'service'), now.service, t.service, '0644'],
    [unitPath(t.name, 'timer'), now.timer, t.timer, '0644'],
  ];
  let unitsChanged = false;
  let timerChanged = false;
  for (const [path, state, content, mode] of files) {
    const p = planContent(path, state, content, { mode });
    if (Array.isArray(p)) {
      changes.push(...p.map((c) => ({ ...c, invalidates: keys })));
      if (path.startsWith('/etc/systemd/')) unitsChanged = true;
      if (path.endsWith('.timer')) timerChanged = true;
    }
  }
  const timer = `${t.name}.timer`;
  const steps: Script[] = [];
  if (unitsChanged) steps.push(sh`systemctl daemon-reload`);
  const on = now.timerState.active && now.timerState.enabled === true;
  if (timerChanged && now.timerState.active) steps.push(sh`systemctl enable ${timer} >/dev/null 2>&1`, sh`systemctl restart ${timer}`);
  else if (timerChanged || !on) steps.push(sh`systemctl enable --now ${timer} >/dev/null 2>&1`);
  if (steps.length) {
    const verb = timerChanged && now.timerState.active ? 'restart' : !on || timerChanged ? 'enable and start' : 'reload';
    const summary = verb === 'reload' ? 'systemctl daemon-reload (the service unit changed)' : `${verb} ${timer}: ${t.what}`;
    changes.push({ summary: unitsChanged && verb !== 'reload' ? `systemctl daemon-reload, ${summary}` : summary, steps, invalidates: keys });
  }
  if (!changes.length) return { ok: `${timer} is enabled and running: ${t.what}` };
  return changes;
}

export function planTimerAbsent(name: string, scriptPath: string, now: TimerNow): Plan {
  const keys = keysOf(name, scriptPath);
  const timer = `${name}.timer`;
  const paths = [unitPath(name, 'timer'), unitPath(name, 'service'), scriptPath].filter((p, i) => [now.timer, now.service, now.script][i]!.exists);
  const loaded = now.timerState.exists || now.timerState.active;
  if (!paths.length && !loaded) return { ok: `${timer} is not installed` };
  const steps: Script[] = [];
  if (now.timerState.manager === 'systemd' && loaded) steps.push(sh`systemctl disable --now ${timer} >/dev/null 2>&1 || true`, sh`systemctl stop ${`${name}.service`} >/dev/null 2>&1 || true`);
  for (const p of paths) steps.push(backup(p), sh`rm -f ${p}`);
  if (now.timerState.manager === 'systemd') steps.push(sh`systemctl daemon-reload`);
  return [{ summary: `stop and remove ${timer}${paths.length ? ` (${paths.join(', ')})` : ''}`, steps, invalidates: keys }];
}
