import { standInRepo } from './shared.js';
import { sh, type Scenario } from './types.js';

export const proxmoxHost: Scenario = {
  name: 'proxmox-host',
  kind: 'full',
  limits: 'lxc-pve packages are empty stand-ins; pveversion and pct are scripts (pct records what it is asked in /var/log/fleet-lab/pct.log and keeps guest state in /var/lib/fleet-lab/pct); no real guests run.',
  async setup(h) {
    await sh(h, 'proxmox-host', `${standInRepo([{ name: 'lxc-pve', versions: ['6.0.5-1', '6.0.5-2'], description: 'fleet lab stand-in for lxc-pve' }], 'lxc-pve=6.0.5-1')}
mkdir -p /etc/pve/lxc /var/log/fleet-lab /var/lib/fleet-lab/pct
printf 'arch: amd64\\nfeatures: nesting=1,keyctl=1\\nhostname: ct101\\nostype: debian\\n' > /etc/pve/lxc/101.conf
printf 'arch: amd64\\nhostname: ct102\\nostype: debian\\n' > /etc/pve/lxc/102.conf
echo running > /var/lib/fleet-lab/pct/101; echo running > /var/lib/fleet-lab/pct/102
cat > /usr/bin/pveversion <<'P'
#!/bin/sh
echo "pve-manager/9.0.10/deadbeef (running kernel: $(uname -r))"
P
cat > /usr/sbin/pct <<'P'
#!/bin/sh
# fleet lab stand-in for Proxmox's pct
echo "$*" >> /var/log/fleet-lab/pct.log
s=/var/lib/fleet-lab/pct
case "$1" in
  list) echo "VMID       Status     Lock         Name"; for f in /etc/pve/lxc/*.conf; do id=$(basename "$f" .conf); printf '%-10s %-10s %-12s %s\\n' "$id" "$(cat $s/$id 2>/dev/null || echo stopped)" "" "ct$id"; done ;;
  status) echo "status: $(cat $s/$2 2>/dev/null || echo stopped)" ;;
  start|reboot) echo running > $s/$2 ;;
  stop|shutdown) echo stopped > $s/$2 ;;
  *) echo "pct stand-in: unsupported: $*" >&2; exit 2 ;;
esac
P
chmod +x /usr/bin/pveversion /usr/sbin/pct`);
  },
};
