import type { Scenario } from './types.js';

export const lxcGuest: Scenario = {
  name: 'lxc-guest',
  kind: 'full',
  env: { container: 'lxc' },
  limits: 'a Docker container whose PID 1 has container=lxc: systemd-detect-virt --container says lxc; there is no LXC AppArmor profile around it, so the runc sysctl failure itself does not happen here.',
};
