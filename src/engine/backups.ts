// What a run keeps on each host so it can be undone: /var/lib/fleet/runs/<id>/manifest lists, in
// order, every file replaced (its copy under files/), created, package version, hold and service
// state before fleet changed it. The apply script defines the helpers the steps call.
import { quote } from '../shell/sh.js';

export const stateDir = (runId: string) => `/var/lib/fleet/runs/${runId}`;

/** root keeps run state in /var/lib/fleet, other users under their home */
const stateDirShell = (runId: string) =>
  `if [ "$(id -u)" = 0 ]; then S=${quote(stateDir(runId))}; else S="\${XDG_STATE_HOME:-$HOME/.local/state}/fleet/runs/"${quote(runId)}; fi`;

export function backupHeader(runId: string): string {
  return `${stateDirShell(runId)}
FLEET_STATE=$S
# without a place to keep backups the changes still run, unrecorded (the run says so)
mkdir -p "$FLEET_STATE/files" 2>/dev/null && chmod 700 "$FLEET_STATE" || FLEET_STATE=
fleet_record() {
  [ -n "$FLEET_STATE" ] || return 0
  grep -qxF -- "$*" "$FLEET_STATE/manifest" 2>/dev/null || printf '%s\\n' "$*" >> "$FLEET_STATE/manifest"
}
fleet_backup() {
  [ -n "$FLEET_STATE" ] || return 0
  # kept and restored by absolute path, whatever the remote working directory
  case $1 in /*) ;; *) set -- "$PWD/$1" ;; esac
  # the first version of a path in this run is the one to restore
  # (read by the shell itself, as the directory test below: processes here are paid per file per host)
  if [ -f "$FLEET_STATE/manifest" ]; then
    while IFS= read -r fleet_l; do
      case $fleet_l in "file $1" | "created $1") return 0 ;; esac
    done < "$FLEET_STATE/manifest"
  fi
  if [ -e "$1" ] || [ -L "$1" ]; then
    { [ -d "$FLEET_STATE/files\${1%/*}" ] || mkdir -p "$FLEET_STATE/files\${1%/*}"; } && cp -a "$1" "$FLEET_STATE/files$1" && printf 'file %s\\n' "$1" >> "$FLEET_STATE/manifest"
  else
    printf 'created %s\\n' "$1" >> "$FLEET_STATE/manifest"
  fi
}
`;
}

/** Undo a run on one host, newest record first. Prints `restored …` or `cannot restore …` lines. */
export function rollbackScript(runId: string): string {
  return `${stateDirShell(runId)}
[ -f "$S/manifest" ] || { echo "nothing recorded for run ${runId.replace(/[^\w.-]/g, '')} on this host"; exit 0; }
[ -f "$S/rolled-back" ] && { echo "already rolled back at $(cat "$S/rolled-back")"; exit 0; }
APT="env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Options::=--force-confold"
tac "$S/manifest" | while IFS= read -r line; do
  kind=\${line%% *}; name=\${line#* }
  case "$kind" in
    file)
      if [ -d "$S/files$name" ]; then
        rm -rf -- "$name" && cp -a "$S/files$name" "$name" && echo "restored directory $name" || echo "cannot restore directory $name"
      else
        t=$(mktemp "$name.fleet-rb-XXXXXX") && cp -a "$S/files$name" "$t" && mv -f "$t" "$name" && echo "restored file $name" || echo "cannot restore file $name"
      fi ;;
    created)
      rm -rf -- "$name" && echo "restored absence of $name" || echo "cannot restore absence of $name" ;;
    pkg)
      set -- $name
      if [ "$2" = - ]; then $APT remove "$1" >/dev/null 2>&1 && echo "restored package $1 (removed)" || echo "cannot restore package $1: remove failed"
      elif apt-cache policy "$1" 2>/dev/null | grep -qE "^ (\\*\\*\\*|   ) $2 "; then
        $APT install --allow-downgrades --allow-change-held-packages "$1=$2" >/dev/null 2>&1 && echo "restored package $1 $2" || echo "cannot restore package $1 $2: install failed"
      else echo "cannot restore package $1 $2: that version is no longer installable"; fi ;;
    hold)
      set -- $name
      if [ "$2" = 1 ]; then apt-mark hold "$1" >/dev/null; else apt-mark unhold "$1" >/dev/null; fi && echo "restored hold $1 $2" ;;
    service)
      set -- $name
      if [ -d /run/systemd/system ]; then
        if [ "$2" = active ]; then systemctl start "$1"; else systemctl stop "$1"; fi
        case "$3" in enabled) systemctl enable "$1" ;; disabled) systemctl disable "$1" ;; esac
      elif [ "$2" = active ]; then service "$1" start; else service "$1" stop; fi >/dev/null 2>&1 && echo "restored service $1 $2 $3" || echo "cannot restore service $1 $2 $3" ;;
  esac
done
date -u +%FT%TZ > "$S/rolled-back"
`;
}
