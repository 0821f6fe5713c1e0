// serial: 1, "10%", or [1, "10%", "100%"] whose last size repeats until every host had its turn.

export function batchSizes(total: number, serial: readonly (number | string)[] | undefined): number[] {
  if (!serial?.length || total === 0) return total ? [total] : [];
  const size = (v: number | string) => {
    const s = String(v).trim();
    const n = s.endsWith('%') ? Math.floor((total * parseInt(s, 10)) / 100) : Number(s);
    return Math.max(1, Math.min(total, n));
  };
  const out: number[] = [];
  let left = total;
  for (let i = 0; left > 0; i++) {
    const n = Math.min(left, size(serial[Math.min(i, serial.length - 1)]!));
    out.push(n);
    left -= n;
  }
  return out;
}

export function batches<T>(items: readonly T[], serial: readonly (number | string)[] | undefined): T[][] {
  let at = 0;
  return batchSizes(items.length, serial).map((n) => items.slice(at, (at += n)));
}
