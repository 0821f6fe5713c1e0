// What a run keeps on each host so it can be undone: /var/lib/fleet/runs/<id>/manifest lists, in
// order, every file replaced (its copy under files/), created, package version, hold and service
// state before fleet changed it, one `v2 KIND WORD...` line each with every word encoded
// (shell/manifest-word.ts, engine/manifest.ts). The apply script defines the helpers the steps call,
// and holds the host's run lock while it runs.
import { hostname } from 'node:os';
import { quote, raw, sh } from '../shell/sh.js';
import type { ManifestEntry } from './manifest.js';

export const stateDir = (runId: string) => `/var/lib/fleet/runs/${runId}`;

/** root keeps run state in /var/lib/fleet, other users under their home */
const stateDirShell = (runId: string) =>
  `if [ "$(id -u)" = 0 ]; then S=${quote(stateDir(runId))}; else S="\${XDG_STATE_HOME:-$HOME/.local/state}/fleet/runs/"${quote(runId)}; fi`;

/** seconds a run waits for another run's apply on the same host before it fails that host */
export const lockWait = (): number => {
  const n = Number(process.env.FLEET_LOCK_WAIT);
  return Number.isFinite(n) && n >= 0 && process.env.FLEET_LOCK_WAIT !== '' ? Math.floor(n) : 30;
};

/** Exit status of a script that did not get the host's run lock (EX_TEMPFAIL). */
export const LOCK_BUSY = 75;

/** One run at a time per host (and per user): `flock` on `<state>/lock`, taken by a small holder
 *  process that the script starts, so the lock fd is never inherited by what the steps start (a
 *  daemon keeping it would hold the host forever). The holder writes who holds it beside the lock
 *  and lets go once the script's shell is gone — ended (a zombie counts), or killed with its connection. A script that
 *  waited `wait` seconds in vain prints the holder and exits LOCK_BUSY before changing anything.
 *  Hosts without flock (util-linux, busybox) run unlocked. */
export function lockShell(runId: string, wait = lockWait(), who = `run ${runId} from ${hostname()} (pid ${process.pid})`): string {
  return `fleet_lock="\${S%/runs/*}/lock"
if [ -d "\${fleet_lock%/lock}" ] && command -v flock >/dev/null 2>&1; then
  fleet_got=$( (
    umask 077
    exec 9>>"$fleet_lock" 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- </dev/null
    flock -w ${wait} 9 || { echo busy; exit 0; }
    printf '%s, since %s\\n' ${quote(who)} "$(date -u +%FT%TZ)" > "$fleet_lock.info"
    echo ok
    exec >/dev/null 2>&1
    # until the script's shell is gone: GNU tail looks once a second (no process per look, and no
    # \`sleep\` for anyone's pgrep to mistake for a step); elsewhere a loop does, a zombie counting as gone
    tail --pid=$$ -f /dev/null 9>&- 2>/dev/null || while kill -0 $$ 2>/dev/null; do
      { IFS= read -r fleet_st < /proc/$$/stat; } 2>/dev/null && case $fleet_st in *") Z "*) break ;; esac
      sleep 1 9>&-
    done
  ) & )
  if [ "$fleet_got" = busy ]; then
    fleet_who=$(head -c 300 "$fleet_lock.info" 2>/dev/null | tr -d '\\000-\\037')
    echo "fleet: another fleet run is changing this host: \${fleet_who:-one that did not say who it is}; waited ${wait} s for it, changed nothing" >&2
    exit ${LOCK_BUSY}
  fi
fi
`;
}

export function backupHeader(runId: string, lock = lockShell(runId)): string {
  return `${stateDirShell(runId)}
FLEET_STATE=$S
# without a place to keep backups the changes still run, unrecorded (the run says so)
mkdir -p "$FLEET_STATE/files" 2>/dev/null && chmod 700 "$FLEET_STATE" || FLEET_STATE=
${lock}fleet_record() {
  [ -n "$FLEET_STATE" ] || return 0
  # the words come encoded (sh.ts record)
  grep -qxF -- "v2 $*" "$FLEET_STATE/manifest" 2>/dev/null || printf '%s\\n' "v2 $*" >> "$FLEET_STATE/manifest"
}
fleet_backup() {
  [ -n "$FLEET_STATE" ] || return 0
  # kept and restored by absolute path, whatever the remote working directory; $2 is the path's
  # manifest word (sh.ts backup), made here only for a relative path (every byte %XX)
  case $1 in /*) ;; *) set -- "$PWD/$1" ;; esac
  fleet_w=\${2:-$(printf '%s' "$1" | od -An -v -tx1 | tr -d ' \\n' | sed 's/../%&/g')}
  # the first version of a path in this run is the one to restore
  # (read by the shell itself, as the directory test below: processes here are paid per file per host)
  if [ -f "$FLEET_STATE/manifest" ]; then
    while IFS= read -r fleet_l; do
      case $fleet_l in "v2 file $fleet_w" | "v2 created $fleet_w") return 0 ;; esac
    done < "$FLEET_STATE/manifest"
  fi
  if [ -e "$1" ] || [ -L "$1" ]; then
    { [ -d "$FLEET_STATE/files\${1%/*}" ] || mkdir -p "$FLEET_STATE/files\${1%/*}"; } && cp -a "$1" "$FLEET_STATE/files$1" && printf 'v2 file %s\\n' "$fleet_w" >> "$FLEET_STATE/manifest"
  else
    printf 'v2 created %s\\n' "$fleet_w" >> "$FLEET_STATE/manifest"
  fi
}
`;
}

/** Prints `fleet-rb none`, `fleet-rb done WHEN` or `fleet-rb manifest` and the manifest. */
export function manifestReadScript(runId: string): string {
  return `${stateDirShell(runId)}
if [ ! -f "$S/manifest" ]; then echo 'fleet-rb none'
elif [ -f "$S/rolled-back" ]; then echo "fleet-rb done $(cat "$S/rolled-back")"
else echo 'fleet-rb manifest'; cat "$S/manifest"; fi
`;
}

const ROLLBACK_FUNCTIONS = `APT="env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Options::=--force-confold"
# a path below a symlink that someone other than root owns is not restored: that user chose where it leads
fleet_rb_safe() {
  fleet_p=; fleet_r=\${2#/}
  while :; do
    case $fleet_r in */*) fleet_p=$fleet_p/\${fleet_r%%/*}; fleet_r=\${fleet_r#*/} ;; *) return 0 ;; esac
    if [ -L "$fleet_p" ] && [ "$(stat -c %u -- "$fleet_p" 2>/dev/null)" != 0 ]; then echo "cannot restore $1 $2: $fleet_p is a symlink owned by another user"; return 1; fi
  done
}
fleet_rb_file() {
  fleet_rb_safe file "$1" || return 0
  if [ ! -e "$S/files$1" ] && [ ! -L "$S/files$1" ]; then echo "cannot restore file $1: this run kept no copy of it"
  elif [ -d "$S/files$1" ]; then
    rm -rf -- "$1" && cp -a "$S/files$1" "$1" && echo "restored directory $1" || echo "cannot restore directory $1"
  else
    t=$(mktemp "$1.fleet-rb-XXXXXX") && cp -a "$S/files$1" "$t" && mv -f "$t" "$1" && echo "restored file $1" || echo "cannot restore file $1"
  fi
}
fleet_rb_created() {
  fleet_rb_safe 'absence of' "$1" || return 0
  rm -rf -- "$1" && echo "restored absence of $1" || echo "cannot restore absence of $1"
}
`;

function undo(e: ManifestEntry): string {
  switch (e.kind) {
    case 'file':
      return sh`fleet_rb_file ${e.path}`.text;
    case 'created':
      return sh`fleet_rb_created ${e.path}`.text;
    case 'pkg':
      if (e.version === '-') return sh`$APT remove ${e.name} >/dev/null 2>&1 && echo ${`restored package ${e.name} (removed)`} || echo ${`cannot restore package ${e.name}: remove failed`}`.text;
      return sh`if apt-cache policy ${e.name} 2>/dev/null | grep -qE ${`^ (\\*\\*\\*|   ) ${e.version.replace(/[.+]/g, '\\$&')} `}; then
  $APT install --allow-downgrades --allow-change-held-packages ${`${e.name}=${e.version}`} >/dev/null 2>&1 && echo ${`restored package ${e.name} ${e.version}`} || echo ${`cannot restore package ${e.name} ${e.version}: install failed`}
else echo ${`cannot restore package ${e.name} ${e.version}: that version is no longer installable`}; fi`.text;
    case 'hold':
      return sh`apt-mark ${e.held ? 'hold' : 'unhold'} ${e.name} >/dev/null && echo ${`restored hold ${e.name} ${e.held ? 1 : 0}`} || echo ${`cannot restore hold ${e.name} ${e.held ? 1 : 0}`}`.text;
    case 'service': {
      const said = `service ${e.name} ${e.active ? 'active' : 'inactive'} ${e.enabled}`;
      const enable = e.enabled === '-' ? '' : sh`; systemctl ${e.enabled === 'enabled' ? 'enable' : 'disable'} ${e.name}`.text;
      return sh`if [ -d /run/systemd/system ]; then systemctl ${e.active ? 'start' : 'stop'} ${e.name}${raw(enable)}; else service ${e.name} ${e.active ? 'start' : 'stop'}; fi >/dev/null 2>&1 && echo ${`restored ${said}`} || echo ${`cannot restore ${said}`}`.text;
    }
  }
}

/** Undo what a run recorded on one host (entries as parseManifest read them), newest first, under
 *  the host's run lock. Prints `restored …` or `cannot restore …` lines. */
export function rollbackScript(runId: string, entries: readonly ManifestEntry[], lock = lockShell(runId)): string {
  return `${stateDirShell(runId)}
${lock}[ -f "$S/rolled-back" ] && { echo "already rolled back at $(cat "$S/rolled-back")"; exit 0; }
${ROLLBACK_FUNCTIONS}rm -f "$S/rb-incomplete"
{
${[...entries].reverse().map(undo).join('\n')}
} | while IFS= read -r fleet_l; do printf '%s\n' "$fleet_l"; case $fleet_l in 'cannot restore '*) : > "$S/rb-incomplete" ;; esac; done
# marked done only when everything was restored: a second rollback retries what is left
if [ -e "$S/rb-incomplete" ]; then rm -f "$S/rb-incomplete"; echo 'fleet-rb incomplete'; else date -u +%FT%TZ > "$S/rolled-back"; fi
`;
}
