/** SockJS frames and the JSON helpers. */

import assert from "node:assert/strict";
import { closeFrame, messageFrame } from "../lib/sockjs/frames.ts";
import { asciiJson, escapeNonAscii, isJsonText, pyJson, scanJsonText } from "../lib/json.ts";
import { parseClientFrame } from "../lib/sockjs/transports/websocket.ts";
import { timingSafeEqual } from "../lib/api/auth.ts";

Deno.test("asciiJson() escapes every non-ASCII code unit, astral ones as surrogate pairs", () => {
  assert.equal(asciiJson("é€😀 </script>"), '"\\u00e9\\u20ac\\ud83d\\ude00 </script>"');
  assert.equal(
    asciiJson("\u2028\u2029\ufff0\uffff\u200c\u007f"),
    '"\\u2028\\u2029\\ufff0\\uffff\\u200c\\u007f"',
  );
  assert.equal(asciiJson("\ud800"), '"\\ud800"'); // a lone surrogate
  assert.equal(asciiJson('a"\\\n\u0001/'), '"a\\"\\\\\\n\\u0001/"');
  assert.equal(escapeNonAscii('"plain"'), '"plain"');
  assert.throws(() => asciiJson(undefined), TypeError);
});

Deno.test("asciiJson() output decodes back to the same string for every code unit", () => {
  let all = "";
  for (let i = 0; i < 0x10000; i++) all += String.fromCharCode(i);
  const encoded = asciiJson(all);
  assert.match(encoded, /^[\x20-\x7e]*$/);
  assert.equal(JSON.parse(encoded), all);
});

Deno.test("frames: message and close frames", () => {
  assert.equal(messageFrame(['"a"', "{}"]), 'a["a",{}]');
  assert.equal(closeFrame(3000, "Go away!"), 'c[3000,"Go away!"]');
  assert.equal(closeFrame(9000, "Invalid API key."), 'c[9000,"Invalid API key."]');
});

Deno.test("parseClientFrame() takes an array of strings or one string; drops non-strings", () => {
  assert.deepEqual(parseClientFrame('["a","b"]'), ["a", "b"]);
  assert.deepEqual(parseClientFrame('"a"'), ["a"]);
  assert.deepEqual(parseClientFrame('["a",1,null,{},["x"]]'), ["a"]);
  assert.equal(parseClientFrame('["a"'), null);
  assert.equal(parseClientFrame("x"), null);
});

Deno.test("pyJson() uses Python's separators and escapes non-ASCII", () => {
  assert.equal(pyJson({ count: 2 }), '{"count": 2}');
  assert.equal(pyJson({ users: [] }), '{"users": []}');
  assert.equal(pyJson({ users: ["a", "b"] }), '{"users": ["a", "b"]}');
  assert.equal(pyJson({ message: "x", status: 401 }), '{"message": "x", "status": 401}');
  assert.equal(pyJson({ online: false }), '{"online": false}');
  assert.equal(pyJson(["é"]), '["\\u00e9"]');
});

Deno.test("isJsonText() agrees with JSON.parse on generated documents and near misses", () => {
  // A deterministic generator: documents JSON.stringify writes, and mutations of them.
  let seed = 42;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const value = (depth: number): unknown => {
    switch (rand(depth > 3 ? 4 : 6)) {
      case 0:
        return rand(2) === 0;
      case 1:
        return rand(1000) / (rand(7) + 1) - 50;
      case 2:
        return String.fromCharCode(...Array.from({ length: rand(6) }, () => rand(0x300)));
      case 3:
        return null;
      case 4:
        return Array.from({ length: rand(4) }, () => value(depth + 1));
      default:
        return Object.fromEntries(
          Array.from({ length: rand(4) }, (_, i) => [`k${i}`, value(depth + 1)]),
        );
    }
  };
  const chars = ' {}[],:"\\-0123456789.eEtrufalsn\n';
  for (let i = 0; i < 3000; i++) {
    const text = JSON.stringify(value(0), null, rand(2) ? 1 : undefined);
    assert.equal(isJsonText(text), true, text);
    assert.equal(scanJsonText(text), true, text);
    const cut = rand(text.length + 1);
    const mutated = text.slice(0, cut) + chars[rand(chars.length)] + text.slice(cut + rand(2));
    let parses = true;
    try {
      JSON.parse(mutated);
    } catch {
      parses = false;
    }
    assert.equal(isJsonText(mutated), parses, mutated);
    assert.equal(scanJsonText(mutated), parses, mutated);
  }
});

Deno.test("isJsonText() takes Python's extras and survives deep nesting", () => {
  for (const ok of ["NaN", "Infinity", "-Infinity", "[NaN, -Infinity]", '{"a": NaN}', " 1 "]) {
    assert.equal(isJsonText(ok), true, ok);
  }
  for (
    const bad of ["", " ", "nan", "-NaN", "+1", "01", "1.", ".5", "[1,]", '{"a":1,}', "\ufeff1"]
  ) {
    assert.equal(isJsonText(bad), false, bad);
  }
  assert.equal(isJsonText("[".repeat(200_000) + "]".repeat(200_000)), true);
  assert.equal(scanJsonText("[".repeat(200_000) + "]".repeat(200_000)), true);
  assert.equal(isJsonText("[".repeat(200_000)), false);
  assert.equal(isJsonText('"' + "\\n".repeat(50_000) + '"'), true);
});

Deno.test("timingSafeEqual() compares exactly", () => {
  assert.equal(timingSafeEqual("secret", "secret"), true);
  assert.equal(timingSafeEqual("secret", "secreT"), false);
  assert.equal(timingSafeEqual("secre", "secret"), false);
  assert.equal(timingSafeEqual("secrets", "secret"), false);
  assert.equal(timingSafeEqual("", ""), true);
  assert.equal(timingSafeEqual("", "x"), false);
  assert.equal(timingSafeEqual("é", "é"), true);
});
