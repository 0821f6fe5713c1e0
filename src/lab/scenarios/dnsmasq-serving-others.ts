import { sh, type Scenario } from './types.js';
import { labUpstream } from './shared.js';

export const dnsmasqServingOthers: Scenario = {
  name: 'dnsmasq-serving-others',
  kind: 'full',
  phase: 1,
  limits: "dnsmasq as the DNS server of a LAN: no listen option (every interface, the host's eth0 address included), a local name served.lan -> 10.77.0.9, forwarding the rest to resolv.conf's server (the lab upstream); no DHCP (the lab network has its own addressing).",
  async setup(h, all) {
    const up = labUpstream(all, 'dnsmasq-serving-others');
    await sh(h, 'dnsmasq-serving-others', `printf 'nameserver ${up.ip}\\n' > /etc/resolv.conf
printf '# the LAN resolver\\ndomain=lan\\naddress=/served.lan/10.77.0.9\\n' > /etc/dnsmasq.d/lan.conf
systemctl enable dnsmasq >/dev/null 2>&1; systemctl restart dnsmasq
dig +short +time=2 @${h.ip} served.lan | grep -qx 10.77.0.9`);
  },
};
