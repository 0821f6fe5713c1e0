import { LOAD_BUSYBOX } from './shared.js';
import { sh, type Scenario } from './types.js';

export const publishedPort: Scenario = {
  name: 'published-port',
  kind: 'full',
  limits: 'real: an inner container publishes 8080 through the host\'s own dockerd and iptables.',
  async setup(h) {
    await sh(h, 'published-port', `${LOAD_BUSYBOX}
docker run -d --restart unless-stopped --name fleet-lab-web -p 8080:80 fleet-lab/busybox httpd -f -p 80 -h /www >/dev/null
for i in $(seq 1 25); do busybox wget -qO- http://127.0.0.1:8080/ >/dev/null 2>&1 && exit 0; sleep 0.2; done; exit 1`);
  },
};
