// OpenSSH host patterns (ssh_config Host lines and known_hosts): `*`, `?`, `!negation`, comma or
// space separated lists. Matching is case-insensitive, as OpenSSH lowercases host names.

/** One glob pattern against one name; `*` and `?` are the only wildcards. */
export function globMatch(pattern: string, name: string): boolean {
  const body = pattern.replace(/[.+^${}()|\\[\]]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i').test(name);
}

/**
 * A pattern list matches when some positive pattern matches and no negated one does; a list of
 * only negations matches nothing (OpenSSH semantics). `one` matches a single positive pattern.
 */
export function listMatches(patterns: readonly string[], name: string, one: (p: string, n: string) => boolean = globMatch): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (one(p.slice(1), name)) return false;
    } else if (one(p, name)) matched = true;
  }
  return matched;
}
