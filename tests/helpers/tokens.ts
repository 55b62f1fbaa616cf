/**
 * Test tokens: well-formed and deliberately broken JWTs, and servers that require them (in this
 * process, or the CLI on any runtime with `--require-token` and an apps file).
 *
 * @module
 */

import { SignJWT } from "npm:jose@6.2.19";
import { apiClient, KEY, type Runtime, SECRET, startCli } from "./target.ts";
import { Thunderpush } from "../../lib/server.ts";
import { serve } from "../../lib/adapters/serve_deno.ts";

/** A second application, with a secret of its own. */
export const OTHER_KEY = "otherkey";
/** The second application's secret. */
export const OTHER_SECRET = "othersecret";

/** Seconds since the epoch, now. */
export function now(): number {
  return Math.floor(Date.now() / 1000);
}

/** What goes into a test token; `undefined` leaves a claim out. */
export interface TokenSpec {
  readonly sub?: unknown;
  readonly exp?: unknown;
  readonly nbf?: number;
  readonly channels?: unknown;
  readonly secret?: string;
  readonly alg?: "HS256" | "HS384" | "HS512";
}

/** A token signed with `spec.secret` (default SECRET), `sub` alice, `exp` in an hour. */
export async function token(spec: TokenSpec = {}): Promise<string> {
  const claims: Record<string, unknown> = {
    sub: "alice",
    exp: now() + 3600,
    ...spec,
  };
  for (const key of ["secret", "alg"]) delete claims[key];
  for (const [key, value] of Object.entries(claims)) if (value === undefined) delete claims[key];
  return await new SignJWT(claims)
    .setProtectedHeader({ alg: spec.alg ?? "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(spec.secret ?? SECRET));
}

function base64url(text: string): string {
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** An unsigned token (`alg: none`) with valid claims for alice. */
export function unsignedToken(): string {
  const header = base64url(JSON.stringify({ alg: "none", typ: "JWT" }));
  const payload = base64url(JSON.stringify({ sub: "alice", exp: now() + 3600 }));
  return `${header}.${payload}.`;
}

/** A running server whose applications require tokens. */
export interface TokenTarget {
  /** `http://127.0.0.1:PORT`. */
  readonly base: string;
  /** The API of the first application (KEY, SECRET). */
  api(method: string, path: string, body?: string): Promise<{ status: number; text: string }>;
  /** The text of `/metrics`. */
  metrics(): Promise<string>;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Starts a token server: KEY and OTHER_KEY, with `--require-token` (or per app). */
export type StartTokenTarget = () => Promise<TokenTarget>;

/** The apps of a token server: both require tokens when `perApp` (else the flag does). */
function apps(perApp: boolean) {
  return [
    { publicKey: KEY, secret: SECRET, ...(perApp ? { requireToken: true } : {}) },
    { publicKey: OTHER_KEY, secret: OTHER_SECRET, ...(perApp ? { requireToken: true } : {}) },
  ];
}

/** A token server in this process (`requireToken: true`). */
export const tokensInProcess: StartTokenTarget = (): Promise<TokenTarget> => {
  const thunder = new Thunderpush({ apps: apps(false), requireToken: true });
  const server = serve(thunder.fetch, { port: 0, hostname: "127.0.0.1" });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return Promise.resolve({
    base,
    api: apiClient(base),
    metrics: async () => await (await fetch(`${base}/metrics`)).text(),
    async close() {
      await thunder.close();
      await server.close();
    },
  });
};

/**
 * A token server run by the CLI on `runtime` with an apps file: `--require-token` for both, or
 * `requireToken` in the file when `perApp`. For Node, the npm build must exist.
 */
export function tokensCli(runtime: Runtime, perApp = false): StartTokenTarget {
  return async () => {
    const file = await Deno.makeTempFile({ prefix: "thunderpush-apps-", suffix: ".json" });
    await Deno.writeTextFile(file, JSON.stringify(apps(perApp)));
    const flags = ["--apps", file, ...(perApp ? [] : ["--require-token"])];
    const proc = await startCli(runtime, flags).catch(async (error) => {
      await Deno.remove(file);
      throw error;
    });
    return {
      base: proc.base,
      api: apiClient(proc.base),
      metrics: async () => await (await fetch(`${proc.base}/metrics`)).text(),
      async close() {
        const status = await proc.stop();
        await Deno.remove(proc.pidPath).catch(() => {});
        await Deno.remove(file);
        if (!status.success) {
          throw new Error(`server exited with ${status.code}:\n${proc.stderr()}`);
        }
      },
    };
  };
}
