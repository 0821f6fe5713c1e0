import { sh, type Scenario } from './types.js';

export const lxcApparmorHost: Scenario = {
  name: 'lxc-apparmor-host',
  kind: 'full',
  limits: "Debian's lxc package provides the real abstractions/lxc/container-base with the deny rule; the kernel here has no AppArmor, so profiles can be parsed (apparmor_parser -Q -K) but not loaded, and no LXC guests run.",
  async setup(h) {
    await sh(h, 'lxc-apparmor-host', `grep -q 'deny /sys/\\[^fdc\\]\\*{,/\\*\\*} wklx,' /etc/apparmor.d/abstractions/lxc/container-base`);
  },
};
