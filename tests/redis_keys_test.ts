/** The Redis broker's key encoding: total (every string), injective, and the same as before. */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeKeyPart,
  encodeKeyPart,
  keysFor,
  nodeUserField,
  parseNodeUserField,
} from "../lib/broker/redis_keys.ts";

/** Any UTF-16 string: lone surrogates, pairs, control characters, U+2028, NUL. */
const anyString = fc.string({
  unit: fc.oneof(
    fc.nat(0xffff).map((unit) => String.fromCharCode(unit)),
    fc.constantFrom("\ud800", "\udbff", "\udc00", "\udfff", "%", "|", ":", "\u2028", "\0"),
  ),
  maxLength: 40,
});

const SHAPES = [
  "",
  "q\ud800",
  "\ud800",
  "\udc00",
  "\udc00\ud800", // a low half then a high half: two lone surrogates, not a pair
  "\ud83d\ude00", // a pair (U+1F600)
  "\ud83d\ude00\ud83d",
  "%ED%A0%80", // what a lone U+D800 encodes to, as text
  "%",
  "%E0",
  "a|b:c",
  "\0\n\r\t\u2028\u2029",
  "é€𝄞",
  "x".repeat(10_000),
  "\ud800".repeat(1_000),
];

Deno.test("encodeKeyPart() never throws, and decodeKeyPart() gives back every string", () => {
  for (const text of SHAPES) assert.equal(decodeKeyPart(encodeKeyPart(text)), text);
  fc.assert(
    fc.property(anyString, (text) => decodeKeyPart(encodeKeyPart(text)) === text),
    { numRuns: 5_000 },
  );
});

Deno.test("encodeKeyPart() is injective: different strings, different keys", () => {
  const seen = new Map<string, string>();
  for (const text of SHAPES) {
    const key = encodeKeyPart(text);
    assert.equal(seen.get(key) ?? text, text, `${JSON.stringify(text)} shares ${key}`);
    seen.set(key, text);
  }
  fc.assert(
    fc.property(anyString, anyString, (a, b) => a === b || encodeKeyPart(a) !== encodeKeyPart(b)),
    { numRuns: 5_000 },
  );
});

Deno.test("encodeKeyPart() is encodeURIComponent for well-formed strings (keys stay the same)", () => {
  fc.assert(
    fc.property(
      fc.string({ unit: "binary", maxLength: 40 }),
      (text) => encodeKeyPart(text) === encodeURIComponent(text),
    ),
  );
  assert.equal(encodeKeyPart("q\ud800"), "q%ED%A0%80");
  assert.equal(encodeKeyPart("\udfff\ud83d\ude00"), "%ED%BF%BF%F0%9F%98%80");
});

Deno.test("encodeKeyPart() writes ASCII only, without the separators `:` and `|`", () => {
  fc.assert(fc.property(anyString, (text) => /^[\x21-\x7e]*$/.test(encodeKeyPart(text))));
  fc.assert(fc.property(anyString, (text) => !/[:|]/.test(encodeKeyPart(text))));
});

Deno.test("decodeKeyPart() answers undefined, never throws, for what it did not write", () => {
  for (const bad of ["%", "%E0", "%ZZ", "%ED%A0", "%ED%A0%80%ED%B0%80"]) {
    assert.equal(decodeKeyPart(bad), undefined, bad);
  }
  fc.assert(fc.property(anyString, (text) => {
    decodeKeyPart(text);
    return true;
  }));
});

Deno.test("keysFor() and nodeUserField() take any public key, channel and user id", () => {
  const keys = keysFor("k\ud800");
  assert.equal(keys.userCounts("q\ud800"), "tp:k%ED%A0%80:uc:q%ED%A0%80");
  assert.equal(keys.channelTopic("\udc00"), "tp:k%ED%A0%80:mc:%ED%B0%80");
  assert.deepEqual(parseNodeUserField(nodeUserField("n1", "q\ud800|x")), {
    node: "n1",
    user: "q\ud800|x",
  });
  assert.deepEqual(parseNodeUserField("n1|%E0"), { node: "n1", user: undefined });
});
