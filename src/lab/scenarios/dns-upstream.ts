import { sh, type Scenario } from './types.js';

export const dnsUpstream: Scenario = {
  name: 'dns-upstream',
  kind: 'full',
  phase: 0,
  limits: 'a lab resolver that answers *.fleet.test with fixed addresses, standing in for the site resolver.',
  async setup(h) {
    await sh(h, 'dns-upstream', `printf 'address=/fleet.test/10.77.0.7\\nno-resolv\\n' > /etc/dnsmasq.d/fleet-upstream.conf
systemctl enable --now dnsmasq >/dev/null 2>&1; systemctl restart dnsmasq`);
  },
};
