/**
 * What a user token carries (a JWT, HS256: `sub`, `exp`, optional `channels` granting `private-`
 * channels; see docs/tokens.md), and the limits both signing and verifying hold it to.
 *
 * @module
 */

/** The one signing algorithm accepted: HMAC with SHA-256, keyed with the application's secret. */
export const TOKEN_ALGORITHM = "HS256";

/** Seconds a token's `exp` (and `nbf`) may be off, for the backend's clock and this server's. */
export const CLOCK_TOLERANCE_SECONDS = 5;

/** Most entries in a token's `channels` claim; a longer list makes the token invalid. */
const MAX_GRANTS = 1000;

/** The prefix of the channels a connection may join only when its token grants them. */
const PRIVATE_PREFIX = "private-";

/**
 * Whether a channel needs a grant: its name starts with `private-` (exactly so: `Private-a` is
 * an ordinary channel, and a different one from `private-a`).
 *
 * @example
 * ```ts
 * import { isPrivateChannel } from "./claims.ts";
 * isPrivateChannel("private-payroll"); // true
 * isPrivateChannel("news"); // false
 * ```
 */
export function isPrivateChannel(channel: string): boolean {
  return channel.startsWith(PRIVATE_PREFIX);
}

/**
 * What is wrong with a `channels` claim, or undefined when nothing is: it must be an array of at
 * most `MAX_GRANTS` strings (absent means no grant).
 *
 * @example
 * ```ts
 * import { grantsProblem } from "./claims.ts";
 * grantsProblem(["private-a"]); // undefined
 * grantsProblem("private-a"); // 'the "channels" claim must be an array of strings'
 * ```
 */
export function grantsProblem(channels: unknown): string | undefined {
  if (channels === undefined) return undefined;
  if (!Array.isArray(channels) || channels.some((ch) => typeof ch !== "string")) {
    return 'the "channels" claim must be an array of strings';
  }
  if (channels.length > MAX_GRANTS) {
    return `the "channels" claim lists ${channels.length} channels (at most ${MAX_GRANTS})`;
  }
  return undefined;
}
