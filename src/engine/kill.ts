// Killing a command fleet gave up on (timeout, too much output). Each exec runs in a session of its
// own on the host (sshd starts every channel's command with setsid, sudo's use_pty another one),
// and its children stay in it, even those that `timeout` or job control put in a process group of
// their own. The process that runs fleet's script carries a random tag in its environment
// (remote.ts); the script drops it at once, so nothing it starts carries it, in particular no
// daemon a step started, which lives in a session of its own anyway. The kill script finds the
// tagged processes through /proc, takes their sessions, and kills every process in them: TERM,
// up to 3 s of grace, then KILL (also for what was forked meanwhile). It runs in a session of its
// own, as the same user, and the tag is not in its argv. The tag is no secret (`ps` can show it
// in sudo's argv), so a tagged process counts only when it runs as that user, really and
// effectively: another user tagging a process of a service's session cannot make fleet kill it.
import { quote } from '../shell/sh.js';

export const EXEC_TAG = 'FLEET_EXEC';

/** the first line of every script fleet sends: what the script starts carries no tag */
export const untag = `unset ${EXEC_TAG}\n`;

export function killScript(tag: string): string {
  return `exec 2>/dev/null
fleet_me=$(id -u)
fleet_sids=
for f in $(printf '%s\\n' ${quote(`${EXEC_TAG}=${tag}`)} | grep -lsxzF -f - /proc/[0-9]*/environ); do
  p=\${f#/proc/}; p=\${p%/environ}
  set -- $(grep -s '^Uid:' "/proc/$p/status")
  [ "$2 $3" = "$fleet_me $fleet_me" ] || continue
  IFS= read -r s < "/proc/$p/stat" || continue
  set -- \${s##*) }
  case $4 in 0|1) ;; *) fleet_sids="$fleet_sids $4 " ;; esac
done
[ -n "$fleet_sids" ] || exit 0
fleet_members() {
  for f in /proc/[0-9]*/stat; do
    IFS= read -r s < "$f" || continue
    p=\${s%% *}; set -- \${s##*) }
    [ "$1" != Z ] && [ "$p" != $$ ] && case "$fleet_sids" in *" $4 "*) printf '%s ' "$p" ;; esac
  done
}
pids=$(fleet_members)
[ -n "$pids" ] || exit 0
kill -TERM $pids
for i in 1 2 3; do
  sleep 1
  pids=$(fleet_members)
  [ -n "$pids" ] || exit 0
done
kill -KILL $pids
sleep 1
pids=$(fleet_members)
[ -z "$pids" ] || kill -KILL $pids
exit 0
`;
}
