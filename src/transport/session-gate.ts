// A limit on the session channels open at once on one SSH connection: sshd refuses channels
// beyond its MaxSessions (10 by default) with "open failed", so callers sharing a connection (the
// LXC guests of a Proxmox node) queue for a slot instead.
export class SessionGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private max: number) {}

  get limit(): number {
    return this.max;
  }

  async acquire(): Promise<void> {
    if (this.active < this.max) {
      this.active++;
      return;
    }
    await new Promise<void>((res) => this.waiting.push(res));
  }

  release(): void {
    const next = this.active <= this.max ? this.waiting.shift() : undefined;
    if (next) next(); // the slot passes on as is
    else this.active--;
  }

  /** The server refused a channel while `active` were open: it allows fewer than we thought. */
  shrinkTo(n: number): void {
    this.max = Math.max(1, Math.min(this.max, n));
  }

  /** others hold slots: a refused channel may get one when they finish */
  get othersActive(): boolean {
    return this.active > 1;
  }
}
