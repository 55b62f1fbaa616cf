/**
 * A collection that is most often of one item, kept as that item alone: a `Set` is made only
 * for two or more. Most users have one connection and most connections one channel; for them
 * the hub keeps no `Set` (about a hundred bytes each) per client.
 *
 * The items must not be `Set`s themselves.
 *
 * @module
 */

/** One item, or a `Set` of two or more. */
export type OneOrMore<T> = T | Set<T>;

/** The collection with `item` added (the same `Set`, or a new value to store). */
export function addItem<T>(items: OneOrMore<T> | undefined, item: T): OneOrMore<T> {
  if (items === undefined) return item;
  if (items instanceof Set) return items.add(item);
  return items === item ? items : new Set([items, item]);
}

/**
 * The collection without `item`: undefined once empty, the last item alone once one is left.
 * Iterating the `Set` it came from goes on safely, over the items that stay.
 */
export function removeItem<T>(items: OneOrMore<T>, item: T): OneOrMore<T> | undefined {
  if (!(items instanceof Set)) return items === item ? undefined : items;
  items.delete(item);
  if (items.size !== 1) return items;
  return items.values().next().value as T;
}

/** Whether the collection holds `item`. */
export function hasItem<T>(items: OneOrMore<T> | undefined, item: T): boolean {
  if (items === undefined) return false;
  return items instanceof Set ? items.has(item) : items === item;
}

/** How many items the collection holds. */
export function itemCount<T>(items: OneOrMore<T> | undefined): number {
  if (items === undefined) return 0;
  return items instanceof Set ? items.size : 1;
}

/** The collection as a `Set` (a new one for a single item, or none). */
export function itemSet<T>(items: OneOrMore<T> | undefined): ReadonlySet<T> {
  if (items instanceof Set) return items;
  return items === undefined ? new Set() : new Set([items]);
}
