// Findings only (REMEDIATIONS §6): the kernel log since boot — `unregister_netdevice: waiting for`
// (moby#5618, a refcount leak that hangs network teardown) and OOM kills. When neither dmesg nor
// journalctl -k gives a line (a container, no CAP_SYSLOG) the checks say they could not run.
import { defineTask } from '../types.js';
import { object } from '../schema/schema.js';
import { kernelLogFact, NETDEVICE } from '../facts/kernel_log.js';
import { reportChecks, result, type CheckDef } from './lib/checks.js';

export const CHECKS = {
  netdevice: { id: 'kernel-unregister-netdevice', title: `kernel log: "${NETDEVICE}" (moby#5618)`, severity: 'high', advice: 'A network device leaks a reference and container teardown hangs. Drain the host and reboot it, then update the kernel; disabling IPv6 is folklore, not a confirmed fix.' },
  oom: { id: 'kernel-oom-kill', title: 'kernel log: OOM killer ran since boot', severity: 'medium', advice: 'The kernel killed processes for memory. Find the victims in the kernel log; give containers --memory limits that match their use, or add memory.' },
} satisfies Record<string, CheckDef>;

export const kernelLogTask = defineTask({
  type: 'kernel_log',
  description: 'Findings only: the kernel log since boot (dmesg, else journalctl -k) for `unregister_netdevice: waiting for` (moby#5618) and OOM kills; says it could not check when neither is readable. Changes nothing.',
  severity: 'high',
  args: object({}),
  facts: () => ({ log: kernelLogFact() }),
  plan(_a, { log }) {
    if (!log.source) {
      const why = [`the kernel log is not readable here: ${log.errors.join('; ') || 'no source'}`];
      return reportChecks([result(CHECKS.netdevice, 'could-not-check', why), result(CHECKS.oom, 'could-not-check', why)]);
    }
    const read = `${log.lines} lines read from ${log.source}`;
    const tail = (xs: string[]) => xs.slice(-5);
    return reportChecks([
      log.netdeviceCount ? result(CHECKS.netdevice, 'finding', [`${log.netdeviceCount} times since boot (${log.source})`, ...tail(log.netdevice)]) : result(CHECKS.netdevice, 'ok', [read]),
      log.oomCount ? result(CHECKS.oom, 'finding', [`${log.oomCount} lines since boot (${log.source})`, ...tail(log.oom)]) : result(CHECKS.oom, 'ok', [read]),
    ]);
  },
});
