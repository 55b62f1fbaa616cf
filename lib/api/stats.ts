/**
 * The API's side of the stats: what it asks of them (`ApiStats`, met by `lib/stats/`), and the
 * query of the paged list of online users, `GET /api/1.0.0/{key}/users/?limit=N&cursor=C`.
 * Without `limit` or `cursor`, `GET .../users/` answers `{"count": N}` as it always did.
 *
 * @module
 */

import type { App } from "../hub/hub.ts";
import type { PyJsonValue } from "../json.ts";
import { HttpError } from "../http/errors.ts";

/** The figures the stats endpoint and the users list answer with. */
export interface ApiStats {
  /** The stats body of an application. */
  read(app: App): Promise<PyJsonValue>;
  /** The first `limit` online users after `after`, and how many are online. */
  users(
    app: App,
    after: string | undefined,
    limit: number,
  ): Promise<{ count: number; users: string[]; more: boolean }>;
}

/** Users per page unless `limit` says otherwise. */
const DEFAULT_PAGE = 100;
/** Most users per page. */
const MAX_PAGE = 1_000;

/** A request for a page of users. */
interface PageQuery {
  /** The last user id of the page before (from the cursor), or undefined for the first page. */
  readonly after: string | undefined;
  /** Users per page. */
  readonly limit: number;
}

/**
 * The page a `GET .../users/` URL asks for, or undefined without `limit` and `cursor`.
 *
 * @throws {HttpError} 400 for a `limit` not from 1 to `MAX_PAGE`, or a cursor not made here.
 */
export function pageQuery(url: string): PageQuery | undefined {
  const params = new URL(url).searchParams;
  const rawLimit = params.get("limit");
  const cursor = params.get("cursor");
  if (rawLimit === null && cursor === null) return undefined;
  const limit = rawLimit === null || rawLimit === "" ? DEFAULT_PAGE : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE || /[^0-9]/.test(rawLimit ?? "")) {
    throw new HttpError(400, `limit must be an integer from 1 to ${MAX_PAGE}.`);
  }
  return { after: cursor ? decodeCursor(cursor) : undefined, limit };
}

/**
 * The cursor of the page after the one that ended with `lastUser`: the id's UTF-8 in base64url
 * (`"alice"` is `"YWxpY2U"`), so that any id goes in a URL as it is.
 */
export function encodeCursor(lastUser: string): string {
  const bytes = new TextEncoder().encode(lastUser);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The user id in a cursor `encodeCursor` made; 400 for anything else. */
export function decodeCursor(cursor: string): string {
  try {
    if (/^[A-Za-z0-9_-]+$/.test(cursor)) {
      const binary = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
      const id = strictUtf8.decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
      if (encodeCursor(id) === cursor) return id;
    }
  } catch {
    // Not base64, or not UTF-8.
  }
  throw new HttpError(400, "Invalid cursor.");
}

/** The body of a page: `{"count": N, "users": [...], "cursor": C | null}`. */
export function pageBody(
  page: { count: number; users: string[]; more: boolean },
): PyJsonValue {
  const last = page.users.at(-1);
  return {
    count: page.count,
    users: page.users,
    cursor: page.more && last !== undefined ? encodeCursor(last) : null,
  };
}
