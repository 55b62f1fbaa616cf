/**
 * The text `thunderpush -h` prints, made from the flag tables.
 *
 * @module
 */

import { type Flag, NUMBER_FLAG_ENTRIES, numberFlag, OTHER_FLAGS, STRING_FLAGS } from "./flags.ts";

/** One entry of the help: `left` in a column of 24, `help` wrapped to 56 characters beside it. */
function helpLine(left: string, help: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of help.split(" ")) {
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

/** A flag's entry: `-p, --port PORT` and its help. */
function flagLine(flag: string, { short, metavar, help }: Flag): string {
  const left = `${short ? `-${short}, ` : ""}--${flag}${metavar ? ` ${metavar}` : ""}`;
  return helpLine(left, help);
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
    "client key: the public key browsers send in CONNECT (or THUNDERPUSH_PUBLIC_KEY)",
  ),
  helpLine(
    "apikey",
    "server API key: the secret the HTTP API expects in the X-Thunder-Secret-Key header (or " +
      "THUNDERPUSH_SECRET)",
  ),
  "",
  "options (each also from the environment variable named after it, e.g. THUNDERPUSH_PORT;",
  "a flag on the command line wins):",
  ...Object.entries(OTHER_FLAGS).map(([flag, f]) => flagLine(flag, f)),
  ...Object.entries(STRING_FLAGS).map(([flag, f]) =>
    flagLine(flag, { ...f, help: `${f.help}${f.env ? ` (or ${f.env})` : ""}` })
  ),
  ...NUMBER_FLAG_ENTRIES.map(([key, f]) =>
    flagLine(numberFlag(key), { ...f, help: `${f.help} (default ${f.fallback})` })
  ),
  "",
].join("\n");
