// The starting states the remediation tests need. Each is real where it can be and an honest
// stand-in where it cannot; `limits` says what a stand-in does not reproduce.
import { LOAD_BUSYBOX, standInRepo } from './shared.js';
import { sh, type Scenario } from './types.js';

export const SCENARIOS: Scenario[] = [
  {
    name: 'vfs-driver',
    kind: 'full',
    limits: 'vfs stands in for aufs/devicemapper (both are gone from current kernels and Docker); the switch, the hidden images and the migration are real.',
    async setup(h) {
      await sh(h, 'vfs-driver', `cat > /etc/docker/daemon.json <<'J'
{
  "cgroup-parent": "fleet-lab-inner",
  "storage-driver": "vfs"
}
J
systemctl restart docker
for i in $(seq 1 50); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
${LOAD_BUSYBOX}
docker create --name fleet-lab-old fleet-lab/busybox true >/dev/null
[ "$(docker info --format '{{.Driver}}')" = vfs ]`);
    },
  },
  {
    name: 'containerd-repo',
    kind: 'full',
    limits: 'the containerd.io packages are empty stand-ins (no containerd or runc binaries; Docker here runs on Debian\'s containerd and runc): dpkg, apt-cache policy, apt-mark and pinning see them exactly as the real ones, `runc --version` does not.',
    async setup(h) {
      await sh(h, 'containerd-repo', standInRepo([{ name: 'containerd.io', versions: ['1.7.28-1', '1.7.28-2', '1.7.29-1'], description: 'fleet lab stand-in for containerd.io' }], 'containerd.io=1.7.28-2'));
    },
  },
  {
    name: 'lxc-guest',
    kind: 'full',
    env: { container: 'lxc' },
    limits: 'a Docker container whose PID 1 has container=lxc: systemd-detect-virt --container says lxc; there is no LXC AppArmor profile around it, so the runc sysctl failure itself does not happen here.',
  },
  {
    name: 'lxc-apparmor-host',
    kind: 'full',
    limits: "Debian's lxc package provides the real abstractions/lxc/container-base with the deny rule; the kernel here has no AppArmor, so profiles can be parsed (apparmor_parser -Q -K) but not loaded, and no LXC guests run.",
    async setup(h) {
      await sh(h, 'lxc-apparmor-host', `grep -q 'deny /sys/\\[^fdc\\]\\*{,/\\*\\*} wklx,' /etc/apparmor.d/abstractions/lxc/container-base`);
    },
  },
  {
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
  },
  {
    name: 'published-port',
    kind: 'full',
    limits: 'real: an inner container publishes 8080 through the host\'s own dockerd and iptables.',
    async setup(h) {
      await sh(h, 'published-port', `${LOAD_BUSYBOX}
docker run -d --restart unless-stopped --name fleet-lab-web -p 8080:80 fleet-lab/busybox httpd -f -p 80 -h /www >/dev/null
for i in $(seq 1 25); do busybox wget -qO- http://127.0.0.1:8080/ >/dev/null 2>&1 && exit 0; sleep 0.2; done; exit 1`);
    },
  },
  {
    name: 'dns-upstream',
    kind: 'full',
    phase: 0,
    limits: 'a lab resolver that answers *.fleet.test with fixed addresses, standing in for the site resolver.',
    async setup(h) {
      await sh(h, 'dns-upstream', `printf 'address=/fleet.test/10.77.0.7\\nno-resolv\\n' > /etc/dnsmasq.d/fleet-upstream.conf
systemctl enable --now dnsmasq >/dev/null 2>&1; systemctl restart dnsmasq`);
    },
  },
  {
    name: 'no-dns-cache',
    kind: 'full',
    phase: 1,
    limits: "the resolver points straight at the lab upstream; Docker bind-mounts /etc/resolv.conf into containers, so it can be rewritten in place but not replaced by rename.",
    async setup(h, all) {
      const up = all.find((x) => x.scenarios.includes('dns-upstream'));
      if (!up) throw new Error('scenario no-dns-cache needs a host with dns-upstream in the same lab');
      await sh(h, 'no-dns-cache', `printf 'nameserver ${up.ip}\\n' > /etc/resolv.conf
systemctl disable --now dnsmasq >/dev/null 2>&1 || true
getent hosts probe.fleet.test >/dev/null`);
    },
  },
];

export type ScenarioName = 'vfs-driver' | 'containerd-repo' | 'lxc-guest' | 'lxc-apparmor-host' | 'proxmox-host' | 'published-port' | 'dns-upstream' | 'no-dns-cache';

export function scenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown lab scenario '${name}'; known: ${SCENARIOS.map((x) => x.name).join(', ')}`);
  return s;
}
