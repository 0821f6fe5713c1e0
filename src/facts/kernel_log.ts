// The kernel log since boot, reduced to the lines the checks look for. `dmesg` first, then
// `journalctl -k -b`; both can be unreadable (a container without CAP_SYSLOG, a journal that never
// sees kernel messages), and then `lines` is 0: nothing was read, which is not the same as clean.
import { raw } from '../shell/sh.js';
import type { Fact } from '../types.js';
import { records } from './records.js';

export interface KernelLog {
  /** where the log was read from; undefined when neither source gave a single line */
  source?: 'dmesg' | 'journalctl -k';
  /** lines read */
  lines: number;
  /** why each source gave nothing */
  errors: string[];
  /** matching lines (the last 50 of each kind) */
  netdevice: string[];
  oom: string[];
  netdeviceCount: number;
  oomCount: number;
}

export const NETDEVICE = 'unregister_netdevice: waiting for';
// the kernel's own words for an OOM kill: 'Out of memory: Killed process', 'oom-kill:', 'Memory cgroup out of memory'
const OOM = 'Out of memory|oom-kill:|Killed process [0-9]+';

export function kernelLogFact(): Fact<KernelLog> {
  return {
    key: 'kernel:log',
    probe: raw(`f=$(mktemp) || exit 0
src=
if dmesg > "$f" 2>/tmp/.fleet-dmesg-err.$$ && [ -s "$f" ]; then src=dmesg
else echo "err=dmesg: $(head -c 200 /tmp/.fleet-dmesg-err.$$ | tr '\\n' ' ')"
  if command -v journalctl >/dev/null && journalctl -k -b -q --no-pager > "$f" 2>/tmp/.fleet-dmesg-err.$$ && [ -s "$f" ]; then src='journalctl -k'
  elif command -v journalctl >/dev/null; then echo "err=journalctl -k: $(head -c 200 /tmp/.fleet-dmesg-err.$$ | tr '\\n' ' ')no kernel messages"
  else echo "err=journalctl: not installed"; fi
fi
rm -f /tmp/.fleet-dmesg-err.$$
if [ -n "$src" ]; then
  echo "source=$src"; echo "lines=$(wc -l < "$f")"
  echo "netdevice_count=$(grep -c '${NETDEVICE}' "$f")"; grep '${NETDEVICE}' "$f" | tail -n 50 | sed 's/^/netdevice=/'
  echo "oom_count=$(grep -Ec '${OOM}' "$f")"; grep -E '${OOM}' "$f" | tail -n 50 | sed 's/^/oom=/'
fi
rm -f "$f"
true`),
    // new kernel lines arrive all the time: a saved plan depends on where the log is read only
    fingerprint: (v) => ({ source: v.source }),
    parse: parseKernelLog,
  };
}

export function parseKernelLog(out: string): KernelLog {
  const { get, all } = records(out);
  const src = get('source');
  return {
    source: src === 'dmesg' || src === 'journalctl -k' ? src : undefined,
    lines: Number(get('lines') ?? 0),
    errors: all('err').map((e) => e.trim()),
    netdevice: all('netdevice'),
    oom: all('oom'),
    netdeviceCount: Number(get('netdevice_count') ?? 0),
    oomCount: Number(get('oom_count') ?? 0),
  };
}
