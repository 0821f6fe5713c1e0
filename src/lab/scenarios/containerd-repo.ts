import { standInRepo } from './shared.js';
import { sh, type Scenario } from './types.js';

export const containerdRepo: Scenario = {
  name: 'containerd-repo',
  kind: 'full',
  limits: 'the containerd.io packages are empty stand-ins (no containerd or runc binaries; Docker here runs on Debian\'s containerd and runc): dpkg, apt-cache policy, apt-mark and pinning see them exactly as the real ones, `runc --version` does not.',
  async setup(h) {
    await sh(h, 'containerd-repo', standInRepo([{ name: 'containerd.io', versions: ['1.7.28-1', '1.7.28-2', '1.7.29-1'], description: 'fleet lab stand-in for containerd.io' }], 'containerd.io=1.7.28-2'));
  },
};
