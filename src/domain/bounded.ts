/**
 * The one rule of the process's small caches (parsed programmes, issuer facts, public keys, OCSP
 * statuses and requests): a Map in insertion order, holding at most `max` entries.
 */

/** Sets the entry as the newest, then drops the oldest until at most `max` remain. */
export function setKeepingNewest<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= max) break;
    map.delete(oldest);
  }
}
