// Hosts with the same result, shown once: "37 hosts: web01, web02, web03 and 34 more".

export interface HostGroup<K> {
  key: K;
  hosts: string[];
}

/** Groups in first-seen order, largest first; `id` says when two results are the same. */
export function groupHosts<T, K>(items: readonly T[], host: (t: T) => string, key: (t: T) => K, id: (k: K) => string): HostGroup<K>[] {
  const groups = new Map<string, HostGroup<K>>();
  for (const t of items) {
    const k = key(t);
    const g = groups.get(id(k));
    if (g) g.hosts.push(host(t));
    else groups.set(id(k), { key: k, hosts: [host(t)] });
  }
  return [...groups.values()].sort((a, b) => b.hosts.length - a.hosts.length);
}

/** "a, b, c" or, past `n` names, "a, b, c and 37 more". */
export const capList = (items: readonly string[], n: number): string => (items.length <= n ? items.join(', ') : `${items.slice(0, n).join(', ')} and ${items.length - n} more`);

/** "3 hosts: a, b, c" or, past `cap` names, "40 hosts: a, b, c and 37 more". */
export function hostList(hosts: readonly string[], cap = 8): string {
  return `${hosts.length} host${hosts.length === 1 ? '' : 's'}: ${capList(hosts, cap)}`;
}
