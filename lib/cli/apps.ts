/**
 * The `--apps` file: several key pairs in one server, each with its own channels, users and
 * presence.
 *
 * @example
 * ```ts
 * keyPairProblem("shop", "s3cret"); // undefined
 * keyPairProblem("shop", "sécret"); // 'the secret must be printable ASCII ...'
 * webhookUrlProblem("example.com"); // "not an absolute http(s) URL: 'example.com'"
 * parseAppsFile('[{"publicKey": "shop", "secret": "s3cret"}]'); // [{ publicKey: "shop", ... }]
 * ```
 *
 * @module
 */

import type { AppKeys } from "../server.ts";
import { MAX_HISTORY_SIZE, MAX_HISTORY_TTL } from "../history/policies.ts";

/**
 * What is wrong with a key pair, or undefined. A public key must be one CONNECT and API paths can
 * name: not empty, no `:`, not `.` or `..`, no lone surrogate. A secret must be printable ASCII
 * without a space at either end, or no `X-Thunder-Secret-Key` header (Latin-1, trimmed) could
 * match it. The secret itself is never quoted in the message.
 */
export function keyPairProblem(publicKey: string, secret: string): string | undefined {
  if (publicKey === "") return "the public key is empty";
  if (publicKey.includes(":")) return 'the public key cannot contain ":" (CONNECT uses it)';
  if (publicKey === "." || publicKey === ".." || /\p{Cs}/u.test(publicKey)) {
    return `the public key ${JSON.stringify(publicKey)} cannot be named in an API path`;
  }
  if (secret === "") return "the secret is empty";
  const bad = /[^\x20-\x7e]/.exec(secret);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    return `the secret must be printable ASCII (an HTTP header value), but has U+${code} at ` +
      `position ${bad.index}`;
  }
  if (secret.startsWith(" ") || secret.endsWith(" ")) {
    return "the secret cannot start or end with a space (HTTP trims header values)";
  }
  return undefined;
}

/** What is wrong with a webhook URL (not an absolute `http:` or `https:` URL), or undefined. */
export function webhookUrlProblem(url: string): string | undefined {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed?.protocol === "http:" || parsed?.protocol === "https:") return undefined;
  return `not an absolute http(s) URL: '${url}'`;
}

/**
 * Parses an apps file: a JSON array of `{"publicKey": "...", "secret": "..."}` (or an object with
 * it under `apps`), public keys unique. An entry may also set `historySize`, `historyTtl`
 * (seconds), `requireToken` and `webhookUrl`, over the command line's.
 *
 * @throws {Error} with a message naming the first problem.
 */
export function parseAppsFile(text: string): AppKeys[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`not valid JSON: ${(error as Error).message}`);
  }
  const list = Array.isArray(value) ? value : (value as { apps?: unknown } | null)?.apps;
  if (!Array.isArray(list)) {
    throw new Error('expected an array of {"publicKey": ..., "secret": ...} (or {"apps": [...]})');
  }
  const seen = new Set<string>();
  return list.map((entry, i) => {
    try {
      return readEntry(entry ?? {}, seen);
    } catch (error) {
      throw new Error(`entry ${i}: ${(error as Error).message}`);
    }
  });
}

/** One entry of the file, checked; `seen` holds the public keys of the entries before it. */
function readEntry(entry: Record<string, unknown>, seen: Set<string>): AppKeys {
  const { publicKey, secret, requireToken, webhookUrl } = entry;
  if (typeof publicKey !== "string" || publicKey === "") {
    throw new Error('"publicKey" must be a non-empty string');
  }
  if (typeof secret !== "string" || secret === "") {
    throw new Error('"secret" must be a non-empty string');
  }
  const problem = keyPairProblem(publicKey, secret);
  if (problem) throw new Error(problem);
  if (seen.has(publicKey)) throw new Error(`duplicate publicKey ${JSON.stringify(publicKey)}`);
  seen.add(publicKey);
  if (requireToken !== undefined && typeof requireToken !== "boolean") {
    throw new Error('"requireToken" must be true or false');
  }
  if (webhookUrl !== undefined) {
    const hookProblem = typeof webhookUrl === "string"
      ? webhookUrlProblem(webhookUrl)
      : '"webhookUrl" must be a string';
    if (hookProblem) throw new Error(`webhookUrl: ${hookProblem}`);
  }
  const history: { size?: number; ttl?: number } = {};
  for (
    const [name, field, min, max] of [
      ["historySize", "size", 0, MAX_HISTORY_SIZE],
      ["historyTtl", "ttl", 1, MAX_HISTORY_TTL],
    ] as const
  ) {
    const value = entry[name];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw new Error(`"${name}" must be an integer from ${min} to ${max}`);
    }
    history[field] = value;
  }
  return {
    publicKey,
    secret,
    ...(Object.keys(history).length > 0 ? { history } : {}),
    ...(requireToken ? { requireToken } : {}),
    ...(typeof webhookUrl === "string" ? { webhookUrl } : {}),
  };
}
