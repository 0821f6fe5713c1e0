import { sh, type Scenario } from './types.js';
import { labUpstream } from './shared.js';

export const dnsCacheCompliant: Scenario = {
  name: 'dns-cache-compliant',
  kind: 'full',
  phase: 1,
  limits: "a local cache set up by hand, not by fleet: /etc/dnsmasq.d/local-cache.conf (127.0.0.1 and docker0, bind-interfaces, no-resolv, server= the lab upstream), resolv.conf at 127.0.0.1 with single-request-reopen, daemon.json dns at docker0; real.",
  async setup(h, all) {
    const up = labUpstream(all, 'dns-cache-compliant');
    await sh(h, 'dns-cache-compliant', `d0=$(ip -4 -o addr show docker0 | awk '{ split($4, a, "/"); print a[1] }')
printf '# the local cache, by hand\\nlisten-address=127.0.0.1\\ninterface=docker0\\nbind-interfaces\\nno-resolv\\nserver=${up.ip}\\n' > /etc/dnsmasq.d/local-cache.conf
systemctl enable dnsmasq >/dev/null 2>&1; systemctl restart dnsmasq
printf 'nameserver 127.0.0.1\\noptions single-request-reopen\\n' > /etc/resolv.conf
printf '{\\n  "cgroup-parent": "fleet-lab-inner",\\n  "dns": ["%s"],\\n  "dns-opts": ["single-request-reopen"]\\n}\\n' "$d0" > /etc/docker/daemon.json
systemctl restart docker
getent hosts probe.fleet.test >/dev/null`);
  },
};
