// The one place that decides how a host is reached.
import { LocalTransport } from './local.js';
import { SshTransport } from './ssh.js';
import type { ConnectionSpec, Transport } from './transport.js';

export function createTransport(spec: ConnectionSpec): Transport {
  return spec.connection === 'local' ? new LocalTransport(spec.commandTimeoutMs, spec.maxOutputBytes) : new SshTransport(spec);
}
