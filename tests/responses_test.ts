/**
 * The API's answers: every answer handed out is a `Response` of its own, whatever a handler does
 * to another, with the status, headers and text it was made from.
 */

import assert from "node:assert/strict";
import { type HeaderPairs, textResponse } from "../lib/api/errors.ts";

const HEADERS: HeaderPairs = [
  ["Content-Type", "application/json; charset=UTF-8"],
  ["Access-Control-Allow-Origin", "*"],
];

/** Status, headers and body of an answer, read in full. */
async function parts(res: Response) {
  return { status: res.status, headers: [...res.headers], body: await res.text() };
}

const expected = (body: string, status = 200) => ({
  status,
  headers: [["access-control-allow-origin", "*"], [
    "content-type",
    "application/json; charset=UTF-8",
  ]],
  body,
});

Deno.test("textResponse: answers alike are separate Responses, untouched by what is done to another", async () => {
  const first = textResponse(200, '{"count": 1}\n', HEADERS);
  const second = textResponse(200, '{"count": 1}\n', HEADERS);
  assert.notEqual(first, second);
  assert.ok(first instanceof Response && second instanceof Response);
  first.headers.set("X-Changed", "yes");
  first.headers.delete("Access-Control-Allow-Origin");
  assert.equal(await first.text(), '{"count": 1}\n');
  assert.equal(first.bodyUsed, true);
  assert.equal(second.bodyUsed, false);
  assert.deepEqual(await parts(second), expected('{"count": 1}\n'));
  // A later one is not changed by either.
  assert.deepEqual(
    await parts(textResponse(200, '{"count": 1}\n', HEADERS)),
    expected('{"count": 1}\n'),
  );
});

Deno.test("textResponse: many texts, long ones and other statuses are answered as made", async () => {
  for (let n = 0; n < 600; n++) {
    const text = `{"count": ${n}}\n`;
    assert.deepEqual(await parts(textResponse(200, text, HEADERS)), expected(text));
  }
  const long = `{"users": [${Array.from({ length: 40 }, (_, i) => `"user${i}"`).join(", ")}]}\n`;
  assert.ok(long.length > 64);
  assert.deepEqual(await parts(textResponse(200, long, HEADERS)), expected(long));
  assert.deepEqual(await parts(textResponse(200, long, HEADERS)), expected(long));
  const error = '{"message": "Not found.", "status": 404}\n';
  assert.deepEqual(await parts(textResponse(404, error, HEADERS)), expected(error, 404));
  const other: HeaderPairs = [["Content-Type", "text/plain"]];
  const plain = await parts(textResponse(200, '{"count": 1}\n', other));
  assert.deepEqual(plain.headers, [["content-type", "text/plain"]]);
});
