// Daemon hangs (moby#13885): a systemd timer runs a small script every N seconds; when
// `docker ps` does not answer in time while docker.service is active, it sends dockerd SIGUSR1
// (dockerd writes its goroutine stacks to /var/run/docker/goroutine-stacks-*.log and says so in
// its log), waits, and restarts docker. Every step is logged to the journal of the service.
import { defineTask, isOk } from '../types.js';
import { doc, int, object, oneOf, withDefault } from '../schema/schema.js';
import { dockerDaemonFact } from '../facts/docker_daemon.js';
import { planTimerAbsent, planTimerPresent, timerFacts } from './lib/systemd-timer.js';

const NAME = 'fleet-docker-watchdog';
const SCRIPT = `/usr/local/sbin/${NAME}`;

const args = object({
  state: doc(withDefault(oneOf(['present', 'absent']), 'present'), 'present: installed, enabled and running; absent: stopped and removed'),
  interval: doc(withDefault(int({ min: 5, max: 86400 }), 30), 'seconds between two checks'),
  timeout: doc(withDefault(int({ min: 1, max: 600 }), 10), 'seconds `docker ps` may take before dockerd counts as hung'),
  grace: doc(withDefault(int({ min: 0, max: 600 }), 5), 'seconds between the stack dump (SIGUSR1) and the restart'),
});
type Args = ReturnType<typeof args.parse>;

export function watchdogScript(a: Args): string {
  return `#!/bin/sh
# fleet docker_watchdog (${SCRIPT}): when docker ps hangs, dump dockerd's goroutine stacks
# (SIGUSR1) and restart docker. Run by ${NAME}.timer; each action is logged to its journal.
TIMEOUT=${a.timeout}
GRACE=${a.grace}
timeout -k 5 "$TIMEOUT" docker ps -q >/dev/null 2>&1 && exit 0
# stopped on purpose (or not installed): not the watchdog's business
systemctl is-active --quiet docker || { echo "docker ps failed, docker.service is not active: nothing to do"; exit 0; }
pid=$(systemctl show -p MainPID --value docker 2>/dev/null)
[ -n "$pid" ] && [ "$pid" != 0 ] || pid=$(pidof dockerd | cut -d' ' -f1)
state=$(awk '/^State:/ {print $2 $3}' /proc/"$pid"/status 2>/dev/null)
echo "dockerd (pid $pid, state $state) did not answer docker ps within $TIMEOUT s: sending SIGUSR1 for a goroutine stack dump (/var/run/docker/goroutine-stacks-*.log)"
kill -USR1 "$pid" 2>/dev/null || echo "cannot signal pid $pid"
# a stopped process only takes the dump signal once continued; left stopped, the dump races the restart's SIGTERM
case $state in T*) echo "dockerd is stopped: sending SIGCONT so it can write the dump"; kill -CONT "$pid" 2>/dev/null ;; esac
sleep "$GRACE"
echo "restarting docker (dockerd pid $pid)"
if ! timeout -k 10 300 systemctl restart docker; then echo "systemctl restart docker failed"; exit 1; fi
if timeout -k 5 60 docker ps -q >/dev/null 2>&1; then
  echo "docker answers again (dockerd pid $(systemctl show -p MainPID --value docker))"
else
  echo "docker still does not answer after the restart"; exit 1
fi
dump=$(ls -t /var/run/docker/goroutine-stacks-*.log 2>/dev/null | head -n1)
[ -n "$dump" ] && echo "latest stack dump: $dump"
exit 0
`;
}

export function watchdogService(a: Args): string {
  return `# fleet docker_watchdog
[Unit]
Description=fleet docker watchdog: if docker ps hangs for ${a.timeout} s, dump dockerd's stacks and restart docker
After=docker.service

[Service]
Type=oneshot
ExecStart=${SCRIPT}
TimeoutStartSec=${a.timeout + a.grace + 400}
`;
}

export function watchdogTimer(a: Args): string {
  return `# fleet docker_watchdog
[Unit]
Description=fleet docker watchdog, every ${a.interval} s

[Timer]
OnActiveSec=${a.interval}
OnUnitActiveSec=${a.interval}
AccuracySec=1

[Install]
WantedBy=timers.target
`;
}

export const dockerWatchdogTask = defineTask({
  type: 'docker_watchdog',
  severity: 'medium',
  description: `A systemd timer (${NAME}.timer) that checks dockerd every interval: when \`timeout N docker ps\` fails while docker.service is active, it sends dockerd SIGUSR1 (goroutine stack dump), waits, and restarts docker, logging each step to the journal. state: absent removes it.`,
  args,
  facts: () => ({ ...timerFacts(NAME, SCRIPT), dockerd: dockerDaemonFact() }),
  // verify: the default (the plan is ok again)
  plan(a, now) {
    if (a.state === 'absent') return planTimerAbsent(NAME, SCRIPT, now);
    if (!now.dockerd.installed) return { ok: 'docker is not installed' };
    const p = planTimerPresent({ name: NAME, scriptPath: SCRIPT, script: watchdogScript(a), service: watchdogService(a), timer: watchdogTimer(a), what: `checks docker ps every ${a.interval} s (timeout ${a.timeout} s)` }, now);
    if (isOk(p) || now.dockerd.liveRestore) return p;
    (p[p.length - 1]!.warnings ??= []).push('live-restore is off: a restart by the watchdog stops running containers (docker_daemon: live_restore: true)');
    return p;
  },
});
