/**
 * A collection that is most often of one item, kept as that item alone; a few items are kept in
 * a small array, and a `Set` is made only past `MOST_IN_LIST`. Most users have one connection and
 * most connections one channel; for them the hub keeps no collection at all per client, and for a
 * user with a few connections (a few tabs) an array of them (about 64 bytes for two on Node)
 * instead of a `Set` (about 150).
 *
 * The lists are never changed in place: adding or removing an item makes a new one, so that a
 * list being iterated stays as it was. The items must not be arrays or `Set`s themselves.
 *
 * @module
 */

/** One item, a list of two to `MOST_IN_LIST` items (never changed in place), or a `Set`. */
export type OneOrMore<T> = T | readonly T[] | Set<T>;

/** Most items kept in a list; one more makes a `Set`. */
export const MOST_IN_LIST = 8;

function isList<T>(items: OneOrMore<T>): items is readonly T[] {
  return Array.isArray(items);
}

/** The collection with `item` added (the same `Set`, or a new value to store). */
export function addItem<T>(items: OneOrMore<T> | undefined, item: T): OneOrMore<T> {
  if (items === undefined) return item;
  if (items instanceof Set) return items.add(item);
  if (isList(items)) {
    if (items.includes(item)) return items;
    return items.length < MOST_IN_LIST ? [...items, item] : new Set([...items, item]);
  }
  return items === item ? items : [items, item];
}

/**
 * The collection without `item`: undefined once empty, the last item alone once one is left.
 * Iterating the collection it came from goes on safely: a `Set` over the items that stay, a list
 * over the items it had (it is not changed).
 */
export function removeItem<T>(items: OneOrMore<T>, item: T): OneOrMore<T> | undefined {
  if (items instanceof Set) {
    items.delete(item);
    if (items.size !== 1) return items;
    return items.values().next().value as T;
  }
  if (isList(items)) {
    const at = items.indexOf(item);
    if (at < 0) return items;
    if (items.length === 2) return items[1 - at];
    return items.filter((_, i) => i !== at);
  }
  return items === item ? undefined : items;
}

/** Whether the collection holds `item`. */
export function hasItem<T>(items: OneOrMore<T> | undefined, item: T): boolean {
  if (items === undefined) return false;
  if (items instanceof Set) return items.has(item);
  return isList(items) ? items.includes(item) : items === item;
}

/** How many items the collection holds. */
export function itemCount<T>(items: OneOrMore<T> | undefined): number {
  if (items === undefined) return 0;
  if (items instanceof Set) return items.size;
  return isList(items) ? items.length : 1;
}

/** The collection as a `Set` (a new one unless it is a `Set` already). */
export function itemSet<T>(items: OneOrMore<T> | undefined): ReadonlySet<T> {
  if (items instanceof Set) return items;
  if (items === undefined) return new Set();
  return new Set(isList(items) ? items : [items]);
}

/** The items, to iterate: the list or the `Set` itself, or a list of the one item. */
export function eachItem<T>(items: OneOrMore<T> | undefined): Iterable<T> {
  if (items === undefined) return [];
  if (items instanceof Set || isList(items)) return items;
  return [items];
}
