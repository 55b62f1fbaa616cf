/**
 * The text `thunderpush -h` prints, made from the flag table.
 *
 * @module
 */

import { NUMBER_FLAGS, STRING_FLAGS } from "./flags.ts";

function helpLine(left: string, help: string): string {
  const words = help.split(" ");
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line && line.length + word.length + 1 > 56) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  const pad = " ".repeat(24);
  const first = left.length < 22
    ? `  ${left.padEnd(22)}${lines[0]}`
    : `  ${left}\n${pad}${lines[0]}`;
  return [first, ...lines.slice(1).map((l) => pad + l)].join("\n");
}

/** The usage line. */
export const USAGE =
  "usage: thunderpush [-h] [-V] [-p PORT] [-H HOST] [-v] [-d] [--pid-path PATH]\n" +
  "                   [--redis URL] [--apps FILE] [--cert FILE --key FILE] [options]\n" +
  "                   clientkey apikey";

/** The text printed by `-h`. */
export const HELP = [
  USAGE,
  "",
  "Thunderpush: push messages to browsers over SockJS, driven by a small HTTP API.",
  "",
  "thunderpush token USER --secret S [--channels a,b] [--ttl 1h] prints a user token for",
  "--require-token instead (thunderpush token -h).",
  "",
  "positional arguments:",
  helpLine(
    "clientkey",
    "client key: the public key browsers send in CONNECT (or " +
      "THUNDERPUSH_PUBLIC_KEY)",
  ),
  helpLine(
    "apikey",
    "server API key: the secret the HTTP API expects in the " +
      "X-Thunder-Secret-Key header (or THUNDERPUSH_SECRET)",
  ),
  "",
  "options (each also from the environment variable named after it, e.g. THUNDERPUSH_PORT;",
  "a flag on the command line wins):",
  helpLine("-h, --help", "show this help message and exit"),
  helpLine("-V, --version", "print the version and exit"),
  helpLine("-H, --host HOST", "binds server to custom address (default: all interfaces)"),
  helpLine("-v, --verbose", "verbose mode: one access line per API request, client commands"),
  helpLine("-d, --debug", "debug mode: also log every SockJS frame in and out"),
  helpLine(
    "--pid-path PATH",
    "PID file, locked while the server runs (default /tmp/thunderpush.pid)",
  ),
  helpLine(
    "--log-format FORMAT",
    "text (default) or json: one JSON object per line with time, level, event and fields",
  ),
  helpLine(
    "--server SERVER",
    "deno: Deno.serve (the default on Deno); node: node:http and ws (the only one on Node), " +
      "which enforce --header-timeout, refuse frames over --max-message-size at their header " +
      "and hold less memory per WebSocket, at some CPU cost",
  ),
  helpLine(
    "--require-token",
    "every CONNECT must carry a user token, a JWT signed HS256 with the app's secret " +
      "(CONNECT user:publickey:TOKEN), and private- channels need a grant in it; see " +
      "'thunderpush token -h' and docs/tokens.md",
  ),
  helpLine(
    "--no-dashboard",
    "do not serve the live dashboard at /dashboard/ (the stats endpoint stays)",
  ),
  helpLine(
    "--metrics-port PORT",
    "serve /metrics, /healthz and /readyz on this port too, and /metrics only there " +
      "(default: all on the main port)",
  ),
  ...STRING_FLAGS.map((f) =>
    helpLine(`--${f.flag} ${f.metavar}`, `${f.help}${f.env ? ` (or ${f.env})` : ""}`)
  ),
  ...NUMBER_FLAGS.map((f) =>
    helpLine(`${f.short ? `-${f.short}, ` : ""}--${f.flag} ${f.metavar}`, f.help)
  ),
  "",
].join("\n");
