// One persistent connection per host for the whole invocation (check, then apply, reuse it).
import { createTransport } from '../transport/connect.js';
import type { ConnectionSpec, Transport } from '../transport/transport.js';

export class ConnectionPool {
  private readonly open = new Map<string, Transport>();
  /** per host, whether an earlier pass of this invocation (the dry run before an apply) found perl
   *  there: scripts for hosts with perl leave out the shell fallbacks */
  readonly perl = new Map<string, boolean>();
  constructor(private readonly factory: (spec: ConnectionSpec) => Transport = createTransport) {}

  async get(host: string, spec: ConnectionSpec): Promise<Transport> {
    let t = this.open.get(host);
    if (!t) {
      t = this.factory(spec);
      this.open.set(host, t);
    }
    await t.connect();
    return t;
  }

  execCount(host: string): number {
    return this.open.get(host)?.execCount ?? 0;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.open.values()].map((t) => t.close()));
    this.open.clear();
  }
}
