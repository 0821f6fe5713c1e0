import { sh, type Scenario } from './types.js';

export const ufwActive: Scenario = {
  name: 'ufw-active',
  kind: 'full',
  // after no-dns-cache (phase 1) on the same host: the resolver is set before the firewall is up
  phase: 2,
  limits: "Debian's ufw, enabled with its default deny incoming and ssh allowed; real (INPUT drops what containers send to docker0's address).",
  async setup(h) {
    await sh(h, 'ufw-active', `ufw default deny incoming >/dev/null
ufw allow 22/tcp >/dev/null
ufw --force enable >/dev/null
iptables -S ufw-user-input | grep -q -e '--dport 22'`);
  },
};
