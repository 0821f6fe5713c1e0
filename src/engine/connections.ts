// One persistent connection per host for the whole invocation (check, then apply, reuse it).
// LXC guests reached by pct share their Proxmox node's connection, through one session gate per node.
import { createTransport } from '../transport/connect.js';
import { PctTransport } from '../transport/pct.js';
import { SessionGate } from '../transport/session-gate.js';
import { TransportError, type ConnectionSpec, type Transport } from '../transport/transport.js';

export class ConnectionPool {
  private readonly open = new Map<string, Transport>();
  private readonly gates = new Map<string, SessionGate>();
  private readonly nodesDown = new Map<string, TransportError>();
  /** per host, whether an earlier pass of this invocation (the dry run before an apply) found perl
   *  there: scripts for hosts with perl leave out the shell fallbacks */
  readonly perl = new Map<string, boolean>();
  constructor(private readonly factory: (spec: ConnectionSpec) => Transport = createTransport) {}

  async get(host: string, spec: ConnectionSpec): Promise<Transport> {
    if (spec.pct) return this.guest(host, spec.pct);
    let t = this.open.get(host);
    if (!t) {
      t = this.factory(spec);
      this.open.set(host, t);
    }
    await t.connect();
    return t;
  }

  private async guest(host: string, via: NonNullable<ConnectionSpec['pct']>): Promise<Transport> {
    // a node that could not be reached is not retried for each of its guests in this invocation
    const down = this.nodesDown.get(via.node);
    if (down) throw down;
    let node: Transport;
    try {
      node = await this.get(via.node, via.nodeSpec);
    } catch (e) {
      // the guest is unreachable because its node is: say which
      if (!(e instanceof TransportError)) throw e;
      const err = new TransportError(e.kind, `node ${via.node}: ${e.message}`, { cause: e });
      this.nodesDown.set(via.node, err);
      throw err;
    }
    let t = this.open.get(host);
    if (!t) {
      let gate = this.gates.get(via.node);
      if (!gate) this.gates.set(via.node, (gate = new SessionGate(via.maxSessions)));
      t = new PctTransport(node, { vmid: via.vmid, node: via.node, sudo: via.sudo }, gate);
      this.open.set(host, t);
    }
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
