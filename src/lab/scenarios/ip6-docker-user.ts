import { sh, type Scenario } from './types.js';

// Docker >= 27 creates DOCKER-USER in ip6tables too and jumps to it from FORWARD; the lab's 20.10
// creates none, not even with "experimental" and "ip6tables": true (checked). This puts the
// chain and the jump where Docker 27 does, so fleet's IPv6 rules are set and read back for real.
export const ip6DockerUser: Scenario = {
  name: 'ip6-docker-user',
  kind: 'full',
  limits: "ip6tables' DOCKER-USER chain and FORWARD's jump to it are made by hand as Docker >= 27 makes them (Docker 20.10 makes none); the lab's containers have IPv6 off, so no IPv6 traffic passes through it",
  async setup(h) {
    await sh(h, 'ip6-docker-user', `ip6tables -w -N DOCKER-USER 2>/dev/null || true
ip6tables -w -C DOCKER-USER -j RETURN 2>/dev/null || ip6tables -w -A DOCKER-USER -j RETURN
ip6tables -w -C FORWARD -j DOCKER-USER 2>/dev/null || ip6tables -w -I FORWARD -j DOCKER-USER
ip6tables -w -S FORWARD | grep -q -- '-j DOCKER-USER'`);
  },
};
