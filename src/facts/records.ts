// Probe output as `key=value` lines: the first value of a key, or all of them in order.
export interface Records {
  get(key: string): string | undefined;
  all(key: string): string[];
}

export function records(out: string): Records {
  const lines = out.split('\n');
  const all = (k: string) => lines.filter((l) => l.startsWith(`${k}=`)).map((l) => l.slice(k.length + 1));
  return { get: (k) => all(k)[0], all };
}
