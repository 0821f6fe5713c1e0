// Disk: a systemd timer that runs `docker system prune -f --filter until=AGE` (and, only when
// asked, a volume prune). Check mode shows what docker system df says could be reclaimed now.
import { defineTask, isOk, type FactValues, type Plan } from '../types.js';
import { bool, doc, object, oneOf, SchemaError, string, withDefault } from '../schema/schema.js';
import { dockerDaemonFact } from '../facts/docker_daemon.js';
import { dockerDfFact, formatSize, type DockerDf } from '../facts/docker_df.js';
import { planTimerAbsent, planTimerPresent, timerFacts } from './lib/systemd-timer.js';

const NAME = 'fleet-docker-prune';
const SCRIPT = `/usr/local/sbin/${NAME}`;
const AGE = /^[1-9]\d*(h|m|s)$/;
// systemd calendar expressions: words and the characters of `*-*-* 03:00:00`, `Mon..Fri 02:00`
const CALENDAR = /^[A-Za-z0-9 *:.,/~-]+$/;

const args = object({
  state: doc(withDefault(oneOf(['present', 'absent']), 'present'), 'present: the timer installed and running; absent: stopped and removed'),
  until: doc(withDefault(string(), '168h'), "only what is older than this goes (docker's until filter: 168h, 30m)"),
  volumes: doc(withDefault(bool(), false), 'also prune unused volumes (data!) — `docker volume prune -f`, which takes no age filter'),
  on_calendar: doc(withDefault(string(), 'daily'), "when it runs (systemd OnCalendar: 'daily', '*-*-* 03:00', 'Sun 04:00')"),
}, (a, path) => {
  if (!AGE.test(a.until)) throw new SchemaError([...path, 'until'], `must be a duration in hours, minutes or seconds such as 168h, got '${a.until}'`);
  if (!CALENDAR.test(a.on_calendar)) throw new SchemaError([...path, 'on_calendar'], `'${a.on_calendar}' is not a systemd calendar expression`);
});
type Args = ReturnType<typeof args.parse>;

export function pruneScript(a: Args): string {
  return `#!/bin/sh
# fleet docker_prune (${SCRIPT}): unused docker data older than ${a.until}. Run by ${NAME}.timer.
set -e
echo "reclaimable before: $(docker system df --format '{{.Type}} {{.Reclaimable}}' | paste -sd ';' -)"
docker system prune -f --filter until=${a.until}
${a.volumes ? 'docker volume prune -f\n' : ''}echo "reclaimable after: $(docker system df --format '{{.Type}} {{.Reclaimable}}' | paste -sd ';' -)"
`;
}

export function pruneService(a: Args): string {
  return `# fleet docker_prune
[Unit]
Description=fleet docker prune: unused containers, networks, dangling images and build cache older than ${a.until}${a.volumes ? ', and unused volumes' : ''}
After=docker.service
Requisite=docker.service

[Service]
Type=oneshot
ExecStart=${SCRIPT}
TimeoutStartSec=3600
Nice=10
IOSchedulingClass=idle
`;
}

export function pruneTimer(a: Args): string {
  return `# fleet docker_prune
[Unit]
Description=fleet docker prune, ${a.on_calendar}

[Timer]
OnCalendar=${a.on_calendar}
Persistent=true
RandomizedDelaySec=1800

[Install]
WantedBy=timers.target
`;
}

/** "1.333GB reclaimable now (Images 1.333GB, Build Cache 20MB)" */
export function reclaimable(df: DockerDf): string | undefined {
  if (!df.known) return undefined;
  const rows = df.rows.filter((r) => r.reclaimable > 0);
  const total = rows.reduce((s, r) => s + r.reclaimable, 0);
  return `${formatSize(total)} reclaimable now${rows.length ? ` (${rows.map((r) => `${r.type} ${formatSize(r.reclaimable)}`).join(', ')})` : ''}`;
}

function plan(a: Args, now: FactValues<ReturnType<typeof facts>>): Plan {
  if (a.state === 'absent') return planTimerAbsent(NAME, SCRIPT, now);
  if (!now.dockerd.installed) return { ok: 'docker is not installed' };
  const what = `docker system prune until=${a.until}${a.volumes ? ' and volume prune' : ''}, ${a.on_calendar}`;
  const p = planTimerPresent({ name: NAME, scriptPath: SCRIPT, script: pruneScript(a), service: pruneService(a), timer: pruneTimer(a), what }, now);
  const space = reclaimable(now.df);
  if (isOk(p)) return space ? { ok: `${p.ok}; docker system df: ${space}` } : p;
  const notes = space ? [`docker system df: ${space}; a prune removes only what is older than ${a.until}${a.volumes ? ' (volumes: every unused one)' : ', never volumes'}`] : [];
  if (a.volumes) notes.push('volumes: true — unused volumes are deleted with their data at every run');
  if (notes.length) (p[p.length - 1]!.warnings ??= []).push(...notes);
  return p;
}

const facts = () => ({ ...timerFacts(NAME, SCRIPT), dockerd: dockerDaemonFact(), df: dockerDfFact() });

export const dockerPruneTask = defineTask({
  type: 'docker_prune',
  severity: 'low',
  description: `A systemd timer (${NAME}.timer) running \`docker system prune -f --filter until=168h\` (age and schedule configurable; volumes only when asked); check mode shows what docker system df says is reclaimable now. state: absent removes it.`,
  args,
  facts,
  plan,
});
