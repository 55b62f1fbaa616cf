/**
 * Verifies a user token with `jose`: HS256 only, `exp` and `sub` required, a few seconds of
 * clock tolerance, then `sub` equal to the user id of CONNECT, exactly.
 *
 * @module
 */

import { jwtVerify } from "npm:jose@6.2.19";
import { grantsProblem, isPrivateChannel, TOKEN_ALGORITHM } from "./claims.ts";

/** Seconds a token's `exp` (and `nbf`) may be off, for the backend's clock and this server's. */
const CLOCK_TOLERANCE_SECONDS = 5;

/** The outcome of verifying a token. */
export type TokenVerdict =
  | {
    readonly ok: true;
    /** The `private-` channels the token grants (the other entries mean nothing). */
    readonly grants: ReadonlySet<string>;
  }
  | {
    readonly ok: false;
    /** Why: `expired` (a fresh token will do), `user` (`sub` is another user) or `invalid`. */
    readonly reason: "expired" | "user" | "invalid";
    /** What was wrong, for the log (never the token itself). */
    readonly detail: string;
  };

const NO_GRANTS: ReadonlySet<string> = new Set();

/**
 * Verifies `token` for `userId`, signed with `key` (the application's secret, imported once with
 * {@linkcode importSecret}). Never rejects: every failure is a verdict.
 *
 * @example
 * ```ts
 * import { importSecret, type TokenVerdict, verifyToken } from "./verify.ts";
 * import { signToken } from "./sign.ts";
 * const token = await signToken({ userId: "alice", secret: "s3cret", expiresIn: 60 });
 * const verdict: TokenVerdict = await verifyToken(token, await importSecret("s3cret"), "alice");
 * if (!verdict.ok) throw new Error(verdict.detail);
 * ```
 */
export async function verifyToken(
  token: string,
  key: CryptoKey,
  userId: string,
): Promise<TokenVerdict> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: [TOKEN_ALGORITHM],
      requiredClaims: ["exp", "sub"],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    }));
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    const detail = String(message ?? error).slice(0, 200);
    return { ok: false, reason: code === "ERR_JWT_EXPIRED" ? "expired" : "invalid", detail };
  }
  if (typeof payload.sub !== "string") {
    return { ok: false, reason: "invalid", detail: 'the "sub" claim must be a string' };
  }
  if (payload.sub !== userId) {
    return { ok: false, reason: "user", detail: 'the "sub" claim is not the user id of CONNECT' };
  }
  const channels = (payload as { channels?: unknown }).channels;
  const problem = grantsProblem(channels);
  if (problem) return { ok: false, reason: "invalid", detail: problem };
  const granted = (channels as string[] | undefined)?.filter(isPrivateChannel) ?? [];
  return { ok: true, grants: granted.length > 0 ? new Set(granted) : NO_GRANTS };
}

/** Imports an application's secret as an HMAC SHA-256 verifying key (once per application). */
export function importSecret(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
}
