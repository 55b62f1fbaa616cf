/**
 * Makes user tokens: what an application's backend (or `thunderpush token`) gives a browser so
 * that it may CONNECT as its user when the server requires tokens.
 *
 * @module
 */

import { SignJWT } from "npm:jose@6.2.19";
import { grantsProblem, TOKEN_ALGORITHM } from "./claims.ts";

/** What {@linkcode signToken} needs. */
export interface SignTokenOptions {
  /** The user id the token lets its holder CONNECT as (the `sub` claim). */
  readonly userId: string;
  /** The application's secret (the server's `apikey`). */
  readonly secret: string;
  /** How long the token is valid: seconds, or a duration such as `"15m"` (`parseDuration`). */
  readonly expiresIn: number | string;
  /** The `private-` channels the holder may join (the `channels` claim). */
  readonly channels?: readonly string[];
}

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Seconds in a duration: a whole number of seconds, optionally followed by a unit `s`, `m`, `h`
 * or `d` (`"90"` is 90, `"1h"` 3600). Throws a TypeError for anything else, zero included.
 */
export function parseDuration(text: string): number {
  const match = /^([0-9]{1,9})([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * UNITS[match[2] || "s"]! : 0;
  if (seconds <= 0) {
    throw new TypeError(
      `Invalid duration "${text}": expected a positive number of seconds, or one followed by ` +
        "s, m, h or d (e.g. 15m, 1h)",
    );
  }
  return seconds;
}

/**
 * Signs a user token: a JWT (HS256, with the application's secret) whose `sub` is the user id,
 * `exp` now plus `expiresIn`, `iat` now, and `channels` the granted channels when given. The
 * browser sends it as `CONNECT user:publickey:TOKEN`. Works on Deno, Node and in browsers (but
 * the secret belongs on a server).
 *
 * @throws {TypeError} when an option is not what it should be.
 *
 * @example
 * ```ts
 * import { parseDuration, signToken, type SignTokenOptions } from "./sign.ts";
 * const options: SignTokenOptions = {
 *   userId: "alice",
 *   secret: "s3cret",
 *   expiresIn: parseDuration("1h"), // or "1h" as it is
 *   channels: ["private-alice"],
 * };
 * const token = await signToken(options);
 * token.split(".").length; // 3: header, payload, signature
 * ```
 */
export async function signToken(options: SignTokenOptions): Promise<string> {
  const { userId, secret, expiresIn, channels } = options;
  if (typeof userId !== "string" || userId === "") {
    throw new TypeError("Cannot sign a token: userId must be a non-empty string");
  }
  if (typeof secret !== "string" || secret === "") {
    throw new TypeError("Cannot sign a token: secret must be a non-empty string");
  }
  const seconds = typeof expiresIn === "number" ? expiresIn : parseDuration(String(expiresIn));
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new TypeError("Cannot sign a token: expiresIn must be a positive number of seconds");
  }
  const problem = grantsProblem(channels);
  if (problem) throw new TypeError(`Cannot sign a token: ${problem}`);
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT(channels === undefined ? {} : { channels: [...channels] })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: "JWT" })
    .setSubject(userId)
    .setIssuedAt(now)
    .setExpirationTime(now + Math.ceil(seconds))
    .sign(new TextEncoder().encode(secret));
}
