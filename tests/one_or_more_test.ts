/** The hub's small collections: one item alone, a few in a list never changed in place, a Set past that. */

import assert from "node:assert/strict";
import {
  addItem,
  eachItem,
  hasItem,
  itemCount,
  itemSet,
  MOST_IN_LIST,
  type OneOrMore,
  removeItem,
} from "../lib/hub/one_or_more.ts";

Deno.test("OneOrMore: one item alone, a list up to MOST_IN_LIST, a Set past it, in insertion order", () => {
  let items: OneOrMore<string> | undefined = undefined;
  items = addItem(items, "a");
  assert.equal(items, "a");
  assert.equal(addItem(items, "a"), "a");
  items = addItem(items, "b");
  assert.deepEqual(items, ["a", "b"]);
  assert.equal(addItem(items, "b"), items); // already there: the same list
  for (let i = 2; i < MOST_IN_LIST; i++) items = addItem(items, `x${i}`);
  assert.ok(Array.isArray(items));
  assert.equal(itemCount(items), MOST_IN_LIST);
  items = addItem(items, "last");
  assert.ok(items instanceof Set);
  assert.equal(itemCount(items), MOST_IN_LIST + 1);
  assert.deepEqual([...eachItem(items)].slice(0, 2), ["a", "b"]);
  assert.equal([...eachItem(items)].at(-1), "last");
  assert.ok(hasItem(items, "last") && !hasItem(items, "nope"));
});

Deno.test("OneOrMore: removing leaves the last item alone, then nothing; a list is never changed in place", () => {
  const list = addItem(addItem(addItem(undefined, "a"), "b"), "c");
  assert.deepEqual(list, ["a", "b", "c"]);
  const seen: string[] = [];
  let items: OneOrMore<string> | undefined = list;
  for (const item of eachItem(list)) {
    seen.push(item);
    items = removeItem(items!, item); // removing while iterating the list it came from
  }
  assert.deepEqual(seen, ["a", "b", "c"]);
  assert.deepEqual(list, ["a", "b", "c"]);
  assert.equal(items, undefined);
  assert.equal(removeItem(["a", "b"], "a"), "b");
  assert.deepEqual(removeItem(["a", "b", "c"], "b"), ["a", "c"]);
  const same = ["a", "b"];
  assert.equal(removeItem(same, "z"), same);
  assert.equal(removeItem("a", "z"), "a");
});

Deno.test("OneOrMore: a Set shrinks to the last item alone; copies and counts of every shape", () => {
  let items: OneOrMore<number> | undefined = undefined;
  for (let i = 0; i <= MOST_IN_LIST; i++) items = addItem(items, i);
  for (let i = 0; i < MOST_IN_LIST; i++) items = removeItem(items!, i);
  assert.equal(items, MOST_IN_LIST);
  assert.equal(itemCount(undefined), 0);
  assert.equal(itemCount(7), 1);
  assert.deepEqual([...itemSet(undefined)], []);
  assert.deepEqual([...itemSet(7)], [7]);
  assert.deepEqual([...itemSet([1, 2])], [1, 2]);
  assert.deepEqual([...eachItem(undefined)], []);
  assert.deepEqual([...eachItem(7)], [7]);
});
