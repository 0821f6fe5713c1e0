// What an LXC or Proxmox host looks like: the AppArmor abstraction, Proxmox guests and their
// nesting feature and AppArmor profile, and whether each guest runs.
import { raw } from '../shell/sh.js';
import type { Fact } from '../types.js';

export interface LxcGuest {
  id: string;
  nesting: boolean;
  unconfined: boolean;
  running: boolean;
}

export interface LxcHost {
  proxmox: boolean;
  guests: LxcGuest[];
  /** plain LXC configs (/var/lib/lxc/NAME/config) with an unconfined profile */
  unconfinedPlain: string[];
  /** fleet once patched the abstraction on this host */
  patchedBefore: boolean;
}

export const CONTAINER_BASE = '/etc/apparmor.d/abstractions/lxc/container-base';
export const PATCH_MARKER = '/var/lib/fleet/lxc-apparmor.patched';

export function lxcHostFact(): Fact<LxcHost> {
  return {
    key: 'lxc:host',
    probe: raw(`if command -v pveversion >/dev/null 2>&1 || [ -d /etc/pve ]; then echo proxmox; fi
for f in /etc/pve/lxc/*.conf; do
  [ -f "$f" ] || continue
  id=$(basename "$f" .conf)
  n=0; grep -Eq '^features:.*nesting=1' "$f" && n=1
  u=0; grep -Eq '^lxc\\.apparmor\\.profile[:=] *unconfined' "$f" && u=1
  r=0; command -v pct >/dev/null && pct status "$id" 2>/dev/null | grep -q running && r=1
  echo "guest $id $n $u $r"
done
for f in /var/lib/lxc/*/config; do [ -f "$f" ] && grep -Eq '^lxc\\.apparmor\\.profile *= *unconfined' "$f" && echo "plain-unconfined $f"; done
[ -f ${PATCH_MARKER} ] && echo patched
true`),
    parse(out) {
      const lines = out.split('\n');
      return {
        proxmox: lines.includes('proxmox'),
        guests: lines
          .filter((l) => l.startsWith('guest '))
          .map((l) => {
            const [, id = '', n, u, r] = l.split(' ');
            return { id, nesting: n === '1', unconfined: u === '1', running: r === '1' };
          }),
        unconfinedPlain: lines.filter((l) => l.startsWith('plain-unconfined ')).map((l) => l.slice(17)),
        patchedBefore: lines.includes('patched'),
      };
    },
  };
}
