import { sh, type Scenario } from './types.js';
import { labUpstream } from './shared.js';

export const systemdResolved: Scenario = {
  name: 'systemd-resolved',
  kind: 'full',
  phase: 1,
  limits: "systemd-resolved with the lab upstream as its global DNS= (resolved.conf) and /etc/resolv.conf linked to its stub; Docker's bind mount of resolv.conf is unmounted for that. No DHCP or networkd: no per-link servers.",
  async setup(h, all) {
    const up = labUpstream(all, 'systemd-resolved');
    await sh(h, 'systemd-resolved', `printf '[Resolve]\\nDNS=${up.ip}\\n' > /etc/systemd/resolved.conf
umount /etc/resolv.conf 2>/dev/null || true
ln -sf ../run/systemd/resolve/stub-resolv.conf /etc/resolv.conf
systemctl enable --now systemd-resolved >/dev/null 2>&1
for i in $(seq 50); do [ -f /run/systemd/resolve/stub-resolv.conf ] && break; sleep 0.1; done
getent hosts probe.fleet.test >/dev/null`);
  },
};
