import { LOAD_BUSYBOX } from './shared.js';
import { sh, type Scenario } from './types.js';

export const vfsDriver: Scenario = {
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
};
