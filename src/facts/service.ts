// A service as systemd sees it, or through `service`/init.d where there is no systemd.
import { sh } from '../shell/sh.js';
import type { Fact } from '../types.js';

export interface ServiceState {
  manager: 'systemd' | 'sysv';
  /** the unit or init script exists */
  exists: boolean;
  active: boolean;
  /** undefined where it cannot be told (static units, sysv without rc links) */
  enabled?: boolean;
}

export function serviceFact(name: string): Fact<ServiceState> {
  return {
    key: `service:${name}`,
    probe: sh`if [ -d /run/systemd/system ]; then echo systemd; systemctl show -p LoadState -p ActiveState -p UnitFileState -- ${name}; else echo sysv; if [ -x /etc/init.d/${name} ]; then echo LoadState=loaded; else echo LoadState=not-found; fi; if service ${name} status >/dev/null 2>&1; then echo ActiveState=active; else echo ActiveState=inactive; fi; if ls /etc/rc[2345].d/S*${name} >/dev/null 2>&1; then echo UnitFileState=enabled; else echo UnitFileState=disabled; fi; fi`,
    parse(out) {
      const [manager = 'sysv', ...rest] = out.trim().split('\n');
      const kv = new Map(rest.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      const unit = kv.get('UnitFileState') ?? '';
      return {
        manager: manager === 'systemd' ? 'systemd' : 'sysv',
        exists: kv.get('LoadState') === 'loaded',
        active: ['active', 'reloading', 'activating'].includes(kv.get('ActiveState') ?? ''),
        enabled: unit.startsWith('enabled') ? true : unit === 'disabled' ? false : undefined,
      };
    },
  };
}
