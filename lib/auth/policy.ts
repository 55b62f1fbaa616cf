/**
 * Which applications require user tokens (`--require-token`, or `requireToken` in the apps
 * file), and their verifying keys.
 *
 * @module
 */

import { importSecret, type TokenVerdict, verifyToken } from "./verify.ts";

/** An application as the token policy sees it. */
export interface TokenApp {
  /** The public key CONNECT names. */
  readonly publicKey: string;
  /** The secret tokens are signed with. */
  readonly secret: string;
  /** Whether this application requires tokens even without `requireAll`. */
  readonly requireToken?: boolean;
}

/**
 * The applications that require tokens, each with its key (imported on first use).
 *
 * @example
 * ```ts
 * import { type TokenApp, TokenPolicy } from "./policy.ts";
 * const apps: TokenApp[] = [{ publicKey: "shop", secret: "s3cret", requireToken: true }];
 * new TokenPolicy(apps, false).requires("shop"); // true
 * ```
 */
export class TokenPolicy {
  readonly #secrets = new Map<string, string>();
  readonly #keys = new Map<string, Promise<CryptoKey>>();

  /** Tokens are required by every app when `requireAll`, else by those with `requireToken`. */
  constructor(apps: Iterable<TokenApp>, requireAll: boolean) {
    for (const app of apps) {
      if (requireAll || app.requireToken) this.#secrets.set(app.publicKey, app.secret);
    }
  }

  /** Whether any application requires tokens. */
  get any(): boolean {
    return this.#secrets.size > 0;
  }

  /**
   * Public keys of applications requiring tokens whose secret is under the 32 bytes RFC 7518 asks
   * of an HS256 key (some JWT libraries, firebase/php-jwt 7 among them, refuse it).
   */
  get weakSecrets(): string[] {
    const encoder = new TextEncoder();
    return [...this.#secrets].filter(([, s]) => encoder.encode(s).length < 32).map(([k]) => k);
  }

  /** Whether CONNECT to the application `publicKey` needs a token. */
  requires(publicKey: string): boolean {
    return this.#secrets.has(publicKey);
  }

  /** Verifies a token for `userId` with the key of `publicKey` (which must require tokens). */
  async verify(publicKey: string, userId: string, token: string): Promise<TokenVerdict> {
    const secret = this.#secrets.get(publicKey);
    if (secret === undefined) {
      return { ok: false, reason: "invalid", detail: "the application takes no tokens" };
    }
    let key = this.#keys.get(publicKey);
    if (key === undefined) this.#keys.set(publicKey, key = importSecret(secret));
    return await verifyToken(token, await key, userId);
  }
}
