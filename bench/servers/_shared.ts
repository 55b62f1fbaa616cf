/**
 * What the Deno anchor servers share: the answer bytes and headers of the Thunderpush API, and the
 * line that tells the bench a server listens.
 *
 * @module
 */

/** The headers of every Thunderpush API answer. */
export const API_HEADERS: Readonly<Record<string, string>> = {
  "Content-Type": "application/json; charset=UTF-8",
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "X-Thunder-Secret-Key",
  "Access-Control-Allow-Methods": "GET, POST, DELETE",
};

/** `{"count": N}` and a newline, with the API's headers. */
export function apiAnswer(count: number): Response {
  return new Response(`{"count": ${count}}\n`, { headers: API_HEADERS });
}

/** The channel name of `/api/1.0.0/<key>/channels/<name>/` (empty for other paths). */
export function channelOf(path: string): string {
  const match = /\/channels\/(.+)\/$/.exec(path);
  return match ? decodeURIComponent(match[1]) : "";
}

/** Writes `listening <port>` to stdout: the bench waits for this line. */
export function listeningLine(port: number): void {
  Deno.stdout.writeSync(new TextEncoder().encode(`listening ${port}\n`));
}
