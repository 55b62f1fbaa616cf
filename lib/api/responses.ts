/**
 * How the HTTP API builds its answers: a status, a text body and header pairs in, a WHATWG
 * `Response` out.
 *
 * @module
 */

/** Header names and values, in the order they go out. */
export type HeaderPairs = readonly (readonly [string, string])[];

/** The longest text whose 200 answer `textResponse` keeps to clone. */
const KEPT_TEXT_LENGTH = 64;
/** How many 200 answers it keeps per header list, at most. */
const KEPT_ANSWERS = 256;
/** 200 answers made already, by header list and then text; never handed out, only cloned. */
const kept = new WeakMap<HeaderPairs, Map<string, Response>>();

/** A `Response` for a text body. */
export function textResponse(status: number, text: string, headers: HeaderPairs): Response {
  if (status !== 200) return new Response(text, { status, headers: headers as [string, string][] });
  // The hot path: every publish and presence answer, nearly all of them short and alike
  // (`{"count": 3}`). Setting headers costs Deno a check of every name and value, where a clone
  // copies the checked list: 0.14 against 0.55 µs for the API's four headers.
  if (text.length > KEPT_TEXT_LENGTH) return plainResponse(text, headers);
  let byText = kept.get(headers);
  if (byText === undefined) kept.set(headers, byText = new Map());
  let answer = byText.get(text);
  if (answer === undefined) {
    if (byText.size >= KEPT_ANSWERS) byText.clear();
    answer = plainResponse(text, headers);
    byText.set(text, answer);
  }
  return answer.clone();
}

/** A 200 answer with `text` and `headers`. */
function plainResponse(text: string, headers: HeaderPairs): Response {
  // Deno 2.9 builds a native copy of every Response given two or more headers (and registers it
  // for finalization): a plain 200 made first and its headers set afterwards costs a third of
  // that (1.2 against 3.2 µs), and Deno then writes it with its ordinary text-with-headers op.
  const res = new Response(text);
  const set = res.headers;
  for (const [name, value] of headers) set.set(name, value);
  return res;
}
