/**
 * What a user token carries (a JWT, HS256: `sub`, `exp`, optional `channels` granting `private-`
 * channels; see docs/tokens.md), and the limits both signing and verifying hold it to.
 *
 * @module
 */

/** The one signing algorithm accepted: HMAC with SHA-256, keyed with the application's secret. */
export const TOKEN_ALGORITHM = "HS256";

/** Most entries in a token's `channels` claim; a longer list makes the token invalid. */
const MAX_GRANTS = 1000;

/**
 * Whether a channel needs a grant: its name starts with `private-` (exactly so: `Private-a` is
 * an ordinary channel, and a different one from `private-a`).
 */
export function isPrivateChannel(channel: string): boolean {
  return channel.startsWith("private-");
}

/**
 * What is wrong with a `channels` claim, or undefined when nothing is: it must be an array of at
 * most `MAX_GRANTS` strings (absent means no grant).
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
