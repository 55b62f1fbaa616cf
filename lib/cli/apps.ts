/**
 * The `--apps` file: several key pairs in one server, each with its own channels, users and
 * presence.
 *
 * @module
 */

import type { AppKeys } from "../server.ts";
import { MAX_HISTORY_SIZE, MAX_HISTORY_TTL } from "../history/policies.ts";

/**
 * What is wrong with a key pair, or undefined when nothing is. A public key must be one that both
 * CONNECT and the API's paths can name: not empty, without `:` (CONNECT's separator), not `.` or
 * `..` (URL parsers remove them from a path) and without a lone surrogate (a path is UTF-8). A
 * secret must be printable ASCII without a space at either end: HTTP reads header values as
 * Latin-1 bytes and trims them, so no other secret could ever match `X-Thunder-Secret-Key`. The
 * secret itself is never quoted in the message.
 *
 * @example
 * ```ts
 * import { keyPairProblem } from "./apps.ts";
 * keyPairProblem("shop", "s3cret"); // undefined
 * keyPairProblem("shop", "sécret"); // 'the secret must be printable ASCII ...'
 * ```
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

/**
 * What is wrong with a webhook URL, or undefined when nothing is: it must be an absolute `http:`
 * or `https:` URL.
 *
 * @example
 * ```ts
 * import { webhookUrlProblem } from "./apps.ts";
 * webhookUrlProblem("https://example.com/hooks"); // undefined
 * webhookUrlProblem("example.com"); // "not an absolute http(s) URL: 'example.com'"
 * ```
 */
export function webhookUrlProblem(url: string): string | undefined {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed?.protocol === "http:" || parsed?.protocol === "https:") return undefined;
  return `not an absolute http(s) URL: '${url}'`;
}

/**
 * Parses an apps file: a JSON array of `{"publicKey": "...", "secret": "..."}` (or an object with
 * such an array under `apps`). Keys are strings `keyPairProblem` finds nothing wrong with, public
 * keys unique. An entry may set its own history: `"historySize"` (0 to 100,000) and
 * `"historyTtl"` (seconds, 1 to 30 days), over `--history-size` and `--history-ttl`.
 * `"requireToken": true` makes that application's CONNECT need a user token. An entry may name its
 * own `webhookUrl` (see `webhookUrlProblem`).
 *
 * @throws {Error} with a message naming the first problem.
 *
 * @example
 * ```ts
 * import { parseAppsFile } from "./apps.ts";
 * parseAppsFile('[{"publicKey": "shop", "secret": "s3cret"}]'); // [{ publicKey: "shop", secret: "s3cret" }]
 * ```
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
    const { publicKey, secret, requireToken, webhookUrl } = (entry ?? {}) as Record<
      string,
      unknown
    >;
    for (const [name, key] of [["publicKey", publicKey], ["secret", secret]] as const) {
      if (typeof key !== "string" || key === "") {
        throw new Error(`entry ${i}: "${name}" must be a non-empty string`);
      }
    }
    const problem = keyPairProblem(publicKey as string, secret as string);
    if (problem) throw new Error(`entry ${i}: ${problem}`);
    if (seen.has(publicKey as string)) {
      throw new Error(`entry ${i}: duplicate publicKey ${JSON.stringify(publicKey)}`);
    }
    seen.add(publicKey as string);
    if (requireToken !== undefined && typeof requireToken !== "boolean") {
      throw new Error(`entry ${i}: "requireToken" must be true or false`);
    }
    if (webhookUrl !== undefined) {
      const hookProblem = typeof webhookUrl === "string"
        ? webhookUrlProblem(webhookUrl)
        : '"webhookUrl" must be a string';
      if (hookProblem) throw new Error(`entry ${i}: webhookUrl: ${hookProblem}`);
    }
    const keys = { publicKey: publicKey as string, secret: secret as string };
    const history = historySettings(entry as Record<string, unknown>, i);
    return {
      ...keys,
      ...(history ? { history } : {}),
      ...(requireToken ? { requireToken } : {}),
      ...(webhookUrl !== undefined ? { webhookUrl: webhookUrl as string } : {}),
    };
  });
}

/** An entry's own `historySize` and `historyTtl`, checked; undefined when it sets neither. */
function historySettings(
  entry: Record<string, unknown>,
  i: number,
): { size?: number; ttl?: number } | undefined {
  const { historySize: size, historyTtl: ttl } = entry;
  if (size === undefined && ttl === undefined) return undefined;
  for (
    const [name, value, min, max] of [
      ["historySize", size, 0, MAX_HISTORY_SIZE],
      ["historyTtl", ttl, 1, MAX_HISTORY_TTL],
    ] as const
  ) {
    if (value === undefined) continue;
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
      throw new Error(`entry ${i}: "${name}" must be an integer from ${min} to ${max}`);
    }
  }
  return {
    ...(size === undefined ? {} : { size: size as number }),
    ...(ttl === undefined ? {} : { ttl: ttl as number }),
  };
}
