// The end-to-end check dns_cache runs as the last step of its apply: a client on docker0 — a veth
// in a throwaway network namespace, plugged into the bridge like a container — asks the cache
// through docker0's address. Its packets take a container's path (in on docker0, then INPUT), so
// a firewall that drops them (ufw's default deny) or a cache not bound there fails the apply
// instead of passing a check run from the host, whose own queries to that address go over lo.
// No image, no container, no pull: ~50 ms, only when something changed.
import { raw, sh, type Script } from '../../shell/sh.js';

/** A free address in docker0's subnet for the probe: the last one below broadcast (Docker assigns
 *  containers from the bottom). awk, because the prefix is only known on the host. */
export const PROBE_AWK = `{ split($4, p, "/"); split(p[1], o, "."); n = o[1] * 16777216 + o[2] * 65536 + o[3] * 256 + o[4]; m = 2 ^ (32 - p[2]); b = int(n / m) * m + m - 2; printf "%d.%d.%d.%d/%d\\n", int(b / 16777216), int(b / 65536) % 256, int(b / 256) % 256, b % 256, p[2]; exit }`;
const PROBE_ADDR = `ip -4 -o addr show dev docker0 | awk '${PROBE_AWK}'`;

/** `name` must resolve from docker0 through `addr`:53; a host where no network namespace can be
 *  made says so and passes (the check cannot run there, the change itself is done). `hosts: dns`
 *  and an empty hosts file in the namespace make the answer come from the cache (which answers
 *  `localhost` from the host's /etc/hosts). */
export function checkFromDocker0(addr: string, name: string): Script {
  return sh`(
fleet_ns=fleet-dnscheck-$$; fleet_hv=fdc$$a; fleet_nv=fdc$$b
fleet_a=$(${raw(PROBE_ADDR)})
trap 'ip link del "$fleet_hv" 2>/dev/null; ip netns del "$fleet_ns" 2>/dev/null; rm -rf "/etc/netns/$fleet_ns"' EXIT
if ! { [ -n "$fleet_a" ] && ip netns add "$fleet_ns" && ip link add "$fleet_hv" type veth peer name "$fleet_nv" && ip link set "$fleet_nv" netns "$fleet_ns" && ip link set "$fleet_hv" master docker0 up && ip -n "$fleet_ns" addr add "$fleet_a" dev "$fleet_nv" && ip -n "$fleet_ns" link set "$fleet_nv" up; } 2>/dev/null; then
  echo "dns_cache: no network namespace on docker0 here: the lookup from docker0 was not checked"; exit 0
fi
mkdir -p "/etc/netns/$fleet_ns"
printf 'nameserver %s\\noptions timeout:2 attempts:2\\n' ${addr} > "/etc/netns/$fleet_ns/resolv.conf"
printf 'hosts: dns\\n' > "/etc/netns/$fleet_ns/nsswitch.conf"
: > "/etc/netns/$fleet_ns/hosts"
ip netns exec "$fleet_ns" getent ahostsv4 ${name} >/dev/null || { echo "dns_cache: a client on docker0 gets no answer for "${name}" from "${addr}":53 (a firewall dropping docker0 -> port 53, or dnsmasq not listening there)" >&2; exit 1; }
)`;
}
