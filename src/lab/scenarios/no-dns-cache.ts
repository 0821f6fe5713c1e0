import { sh, type Scenario } from './types.js';
import { labUpstream } from './shared.js';

export const noDnsCache: Scenario = {
  name: 'no-dns-cache',
  kind: 'full',
  phase: 1,
  limits: "the resolver points straight at the lab upstream; Docker bind-mounts /etc/resolv.conf into containers, so it can be rewritten in place but not replaced by rename.",
  async setup(h, all) {
    const up = labUpstream(all, 'no-dns-cache');
    await sh(h, 'no-dns-cache', `printf 'nameserver ${up.ip}\\n' > /etc/resolv.conf
systemctl disable --now dnsmasq >/dev/null 2>&1 || true
getent hosts probe.fleet.test >/dev/null`);
  },
};
