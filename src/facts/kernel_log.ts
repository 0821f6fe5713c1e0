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
    // Streamed through awk, never kept in a file: nothing is written (or read) under /tmp, where a
    // name is someone else's to plant. The exit status travels as the stream's last line.
    probe: raw(`fleet_kl() {
  { "$@" 2>/dev/null; printf '\\n%s\\n' "$?"; } | awk -v nd='${NETDEVICE}' -v oom='${OOM}' '
function keep(s) { n++; if (index(s, nd)) { nc++; ndl[nc % 50] = s } if (s ~ oom) { oc++; ol[oc % 50] = s } }
$0 == "" { next }
seen { keep(last) }
{ last = $0; seen = 1 }
END {
  if (last != "0" || n == 0) { print "fail"; exit }
  print "lines=" n; print "netdevice_count=" nc + 0
  for (i = (nc > 50 ? nc - 49 : 1); i <= nc; i++) print "netdevice=" ndl[i % 50]
  print "oom_count=" oc + 0
  for (i = (oc > 50 ? oc - 49 : 1); i <= oc; i++) print "oom=" ol[i % 50]
}'
}
src=
if r=$(fleet_kl dmesg) && [ "$r" != fail ]; then src=dmesg
else echo "err=dmesg: $(dmesg 2>&1 >/dev/null | head -c 200 | tr '\\n' ' ')"
  if command -v journalctl >/dev/null && r=$(fleet_kl journalctl -k -b -q --no-pager) && [ "$r" != fail ]; then src='journalctl -k'
  elif command -v journalctl >/dev/null; then echo "err=journalctl -k: $(journalctl -k -b -q --no-pager 2>&1 >/dev/null | head -c 200 | tr '\\n' ' ')no kernel messages"
  else echo "err=journalctl: not installed"; fi
fi
if [ -n "$src" ]; then echo "source=$src"; printf '%s\\n' "$r"; fi
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
