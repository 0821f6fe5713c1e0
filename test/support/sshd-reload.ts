// Make a light lab host's sshd (PID 1) re-read its config and host keys: on SIGHUP sshd
// re-executes itself, closing its listening socket for a moment, so wait until it greets again.
import { connect } from 'node:net';
import type { LabHost } from './lab.js';

function greets(ip: string): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host: ip, port: 22 });
    s.setTimeout(1000, () => (s.destroy(), res(false)));
    s.once('data', (d) => (s.destroy(), res(d.toString().startsWith('SSH-'))));
    s.once('error', () => res(false));
  });
}

export async function reloadSshd(h: LabHost): Promise<void> {
  const r = await h.exec('kill -HUP 1');
  if (r.code !== 0) throw new Error(`kill -HUP 1 on ${h.name}: ${r.stderr}`);
  await new Promise((res) => setTimeout(res, 100)); // let the old socket close first
  const deadline = Date.now() + 10_000;
  while (!(await greets(h.ip))) {
    if (Date.now() > deadline) throw new Error(`sshd on ${h.name} did not come back after SIGHUP`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
