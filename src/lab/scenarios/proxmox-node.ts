// A Proxmox VE node with real LXC-like guests: each guest is its own copy-on-write root filesystem
// (an overlay over the node's own root, so it has its own dpkg/apt state), entered by the lab's
// `pct` with fresh mount, PID and UTS namespaces and chroot. `pct` follows pve-container's output
// formats and exit codes (src/PVE/CLI/pct.pm): list, config, status, exec, start, stop, shutdown,
// reboot; a `die` there exits 255 with its message on stderr.
import { sh, type Scenario } from './types.js';

export interface LabGuest {
  vmid: number;
  hostname: string;
  running: boolean;
  nesting: boolean;
  unprivileged: boolean;
  tags: string[];
  /** false: no sshd in the guest's filesystem (reachable only through pct) */
  sshd: boolean;
}

/** The guests of every lab Proxmox node. */
export const LAB_GUESTS: LabGuest[] = [
  { vmid: 101, hostname: 'web1', running: true, nesting: true, unprivileged: true, tags: ['docker', 'prod'], sshd: true },
  { vmid: 102, hostname: 'web2', running: true, nesting: true, unprivileged: true, tags: ['docker'], sshd: false },
  { vmid: 103, hostname: 'db1', running: true, nesting: false, unprivileged: false, tags: ['prod'], sshd: true },
  { vmid: 104, hostname: 'cache1', running: true, nesting: true, unprivileged: true, tags: [], sshd: false },
  { vmid: 105, hostname: 'build1', running: true, nesting: false, unprivileged: true, tags: ['ci'], sshd: false },
  { vmid: 106, hostname: 'old1', running: false, nesting: true, unprivileged: true, tags: ['docker'], sshd: true },
];

const conf = (g: LabGuest) =>
  [
    'arch: amd64',
    'cores: 1',
    ...(g.nesting ? ['features: nesting=1'] : []),
    `hostname: ${g.hostname}`,
    'memory: 512',
    'net0: name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:00:' + String(g.vmid % 100).padStart(2, '0') + ',ip=dhcp,type=veth',
    'ostype: debian',
    `rootfs: local:${g.vmid}/vm-${g.vmid}-disk-0.raw,size=8G`,
    'swap: 512',
    ...(g.tags.length ? [`tags: ${g.tags.join(';')}`] : []),
    ...(g.unprivileged ? ['unprivileged: 1'] : []),
  ].join('\n') + '\n';

/** The lab's pct. Guest state: /run/fleet-lab/pct/<vmid> exists while the guest runs. */
export const PCT_SCRIPT = String.raw`#!/bin/sh
# fleet lab Proxmox node: pct after pve-container's src/PVE/CLI/pct.pm (formats and exit codes)
C=/etc/pve/lxc
S=/run/fleet-lab/pct
NODE=$(hostname)
die() { printf '%s\n' "$*" >&2; exit 255; }
vmid_ok() { case "$1" in ''|*[!0-9]*) die "400 Parameter verification failed.
vmid: invalid format - value does not look like a valid VM ID"; esac; }
need() { vmid_ok "$1"; [ -f "$C/$1.conf" ] || die "Configuration file 'nodes/$NODE/lxc/$1.conf' does not exist"; }
running() { [ -e "$S/$1" ]; }
main() { sed -n '/^\[/q; /^#/d; /^$/d; p' "$C/$1.conf"; }
val() { main "$1" | sed -n "s/^$2: //p"; }
root() { echo "/var/lib/lxc/$1/rootfs"; }
mounted() { grep -q " $(root "$1") " /proc/mounts; }
mountroot() {
  d=/var/lib/lxc/$1
  mounted "$1" && return 0
  mkdir -p "$d/upper" "$d/work" "$d/rootfs"
  mount -t overlay overlay -o "lowerdir=/,upperdir=$d/upper,workdir=$d/work" "$d/rootfs"
}
start() { mountroot "$1" && mkdir -p "$S" && : > "$S/$1"; }
stop() {
  for p in $(cat "$S/$1" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  rm -f "$S/$1"
}
cmd=$1; [ $# -gt 0 ] && shift
case "$cmd" in
  list)
    ids=$(ls "$C" 2>/dev/null | sed -n 's/^\([0-9]*\)\.conf$/\1/p' | sort -n)
    [ -n "$ids" ] || exit 0
    printf '%-10s %-10s %-12s %-20s\n' VMID Status Lock Name
    for id in $ids; do
      st=stopped; running "$id" && st=running
      printf '%-10s %-10s %-12s %-20s\n' "$id" "$st" "$(val "$id" lock)" "$(val "$id" hostname)"
    done ;;
  config) need "$1"; main "$1" | sort ;;
  status) need "$1"; if running "$1"; then echo 'status: running'; else echo 'status: stopped'; fi ;;
  start) need "$1"; running "$1" && die "CT $1 already running"; start "$1" ;;
  stop|shutdown) need "$1"; running "$1" || die "CT $1 not running"; stop "$1" ;;
  reboot) need "$1"; running "$1" || die "VM $1 not running"; stop "$1"; start "$1" ;;
  exec)
    id=$1; need "$id"; shift
    running "$id" || die "container '$id' not running!"
    [ "$1" = -- ] && shift
    [ $# -gt 0 ] || die "missing command"
    r=$(root "$id"); h=$(val "$id" hostname)
    # the guest's processes are killed by pct stop (their PID namespace's first process)
    echo $$ >> "$S/$id"
    exec unshare --mount --pid --uts --fork --kill-child sh -c '
      hostname "$1"; mount -t proc proc "$2/proc" && mount --rbind /dev "$2/dev" || exit 255
      r=$2; shift 2; cd / && exec chroot "$r" /usr/bin/env -i container=lxc HOME=/root LANG=C.UTF-8 \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"' sh "$h" "$r" "$@" ;;
  '') die "ERROR: no command specified" ;;
  *) die "ERROR: unknown command 'pct $cmd'" ;;
esac
`;

/** what each guest owns outright (not seen through from the node) */
const OWN = ['etc', 'var/lib/dpkg', 'var/lib/apt', 'var/cache/debconf', 'root'];

function guestSetup(g: LabGuest): string {
  const r = `/var/lib/lxc/${g.vmid}/rootfs`;
  return `cat > /etc/pve/lxc/${g.vmid}.conf <<'FLEET_CONF'
${conf(g)}FLEET_CONF
/usr/sbin/pct start ${g.vmid}
# the guest's own configuration and package state: removed from the merged view, then written
# back, so these directories are opaque and later changes the node makes to its own do not show
rm -rf ${OWN.map((d) => `${r}/${d}`).join(' ')}
tar -C ${r} -xf /tmp/fleet-guest-base.tar
# the guest is not the node: no node config, no Proxmox tools, no node keys, its own name
rm -rf ${r}/etc/pve ${r}/usr/sbin/pct ${r}/usr/bin/pveversion ${r}/root/.ssh ${r}/var/lib/lxc/* ${r}/etc/ssh/ssh_host_* ${r}/etc/sudoers.d/fleet-*
echo ${g.hostname} > ${r}/etc/hostname
${g.sshd ? '' : `rm -f ${r}/usr/sbin/sshd`}
${g.running ? '' : `/usr/sbin/pct stop ${g.vmid}`}`;
}

export const proxmoxNode: Scenario = {
  name: 'proxmox-node',
  kind: 'full',
  limits:
    "guests are overlay root filesystems over the node's own root (their /etc, dpkg and apt state copied at creation) entered with unshare + chroot, not LXC: no cgroup limits, no own network (they share the node's), no init or services inside; files the node later adds under /usr show in guests; pct implements list, config, status, exec, start, stop, shutdown, reboot only.",
  async setup(h) {
    await sh(h, 'proxmox-node', `mkdir -p /etc/pve/lxc /var/lib/lxc /run/fleet-lab/pct
grep -q ' /var/lib/lxc ' /proc/mounts || mount -t tmpfs -o mode=0700 tmpfs /var/lib/lxc
cat > /usr/sbin/pct <<'FLEET_PCT'
${PCT_SCRIPT}FLEET_PCT
chmod 755 /usr/sbin/pct
cat > /usr/bin/pveversion <<'P'
#!/bin/sh
echo "pve-manager/8.4.1/2a5fa54a8503f96d (running kernel: $(uname -r))"
P
chmod 755 /usr/bin/pveversion
tar -C / -cf /tmp/fleet-guest-base.tar ${OWN.join(' ')}
${LAB_GUESTS.map(guestSetup).join('\n')}
rm -f /tmp/fleet-guest-base.tar`);
  },
};
