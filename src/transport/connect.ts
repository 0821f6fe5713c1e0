// The one place that decides how a host is reached.
import { LocalTransport } from './local.js';
import { SshTransport } from './ssh.js';
import { TransportError, type ConnectionSpec, type Transport } from './transport.js';

export function createTransport(spec: ConnectionSpec): Transport {
  // pct guests are built by the ConnectionPool on their node's shared connection
  if (spec.connection === 'pct') throw new TransportError('config', `${spec.host}: a pct guest needs its node's connection`);
  return spec.connection === 'local' ? new LocalTransport(spec.commandTimeoutMs, spec.maxOutputBytes) : new SshTransport(spec);
}
