// A service as systemd sees it, or through `service` and the rc.d links where there is no systemd
// (containers and hosts booted with sysvinit).
import { sh } from '../shell/sh.js';
import type { Fact } from '../types.js';

export interface ServiceState {
  manager: 'systemd' | 'sysv';
  /** the unit or init script exists (a masked unit exists) */
  exists: boolean;
  active: boolean;
  /** undefined where boot start cannot be switched (static, indirect, alias, transient units) */
  enabled?: boolean;
  /** systemd: masked, so it can neither start nor be enabled until unmasked */
  masked?: boolean;
  /** why `enabled` is undefined: systemd's word for the unit file ('static', 'indirect', …) */
  unitFileState?: string;
}

/** Probe output: the manager on the first line, then KEY=VALUE lines (`systemctl show` format).
 *  Systemd units generated from init.d scripts report UnitFileState=generated; `is-enabled` asks
 *  the rc.d links for those, so it is read as well. */
export function serviceFact(name: string): Fact<ServiceState> {
  return {
    key: `service:${name}`,
    probe: sh`if [ -d /run/systemd/system ]; then
echo systemd
systemctl show -p LoadState -p ActiveState -p UnitFileState -- ${name} 2>/dev/null
echo "IsEnabled=$(systemctl is-enabled -- ${name} 2>/dev/null | head -n1)"
else
echo sysv
if [ -x /etc/init.d/${name} ]; then echo LoadState=loaded; else echo LoadState=not-found; fi
if service ${name} status >/dev/null 2>&1; then echo ActiveState=active; else echo ActiveState=inactive; fi
if ls /etc/rc[S2345].d/S[0-9][0-9]${name} >/dev/null 2>&1; then echo UnitFileState=enabled; else echo UnitFileState=disabled; fi
fi`,
    parse: parseServiceProbe,
  };
}

const ACTIVE = ['active', 'reloading', 'activating'];

export function parseServiceProbe(out: string): ServiceState {
  const [manager = 'sysv', ...rest] = out.trim().split('\n');
  const kv = new Map(rest.filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]));
  const load = kv.get('LoadState') ?? '';
  let unit = kv.get('UnitFileState') ?? '';
  if (unit === 'generated' && kv.get('IsEnabled')) unit = kv.get('IsEnabled')!;
  const state: ServiceState = {
    manager: manager === 'systemd' ? 'systemd' : 'sysv',
    exists: load === 'loaded' || load === 'masked',
    active: ACTIVE.includes(kv.get('ActiveState') ?? ''),
    enabled: unit.startsWith('enabled') ? true : unit === 'disabled' || unit.startsWith('masked') ? false : undefined,
  };
  if (load === 'masked' || unit.startsWith('masked')) state.masked = true;
  // only when it explains an undefined `enabled`: the common cases stay plain
  if (state.manager === 'systemd' && state.enabled === undefined && unit) state.unitFileState = unit;
  return state;
}
