/**
 * The `--apps` file: several key pairs in one server, each with its own channels, users and
 * presence.
 *
 * @module
 */

import type { AppKeys } from "./server.ts";

/**
 * Parses an apps file: a JSON array of `{"publicKey": "...", "secret": "..."}` (or an object with
 * such an array under `apps`). Keys are non-empty strings without `:`, public keys unique.
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
    const { publicKey, secret } = (entry ?? {}) as Record<string, unknown>;
    for (const [name, key] of [["publicKey", publicKey], ["secret", secret]] as const) {
      if (typeof key !== "string" || key === "") {
        throw new Error(`entry ${i}: "${name}" must be a non-empty string`);
      }
    }
    if ((publicKey as string).includes(":")) {
      throw new Error(`entry ${i}: "publicKey" cannot contain ":" (CONNECT uses it)`);
    }
    if (seen.has(publicKey as string)) {
      throw new Error(`entry ${i}: duplicate publicKey ${JSON.stringify(publicKey)}`);
    }
    seen.add(publicKey as string);
    return { publicKey: publicKey as string, secret: secret as string };
  });
}
