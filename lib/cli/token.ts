/**
 * `thunderpush token USER --secret S [--channels a,b] [--ttl 1h]`: prints a user token for
 * servers started with `--require-token`, e.g. to try one out with curl or a test page.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { parseDuration, signToken } from "../auth/sign.ts";

/** What the subcommand needs from the runtime (a part of `CliPlatform`). */
export interface TokenPlatform {
  /** The environment variables (`THUNDERPUSH_SECRET` stands in for `--secret`). */
  readonly env: () => Readonly<Record<string, string | undefined>>;
  /** Writes to standard output. */
  readonly stdout: (text: string) => void;
  /** Writes to standard error. */
  readonly stderr: (text: string) => void;
}

/** The usage line of the subcommand. */
const TOKEN_USAGE =
  "usage: thunderpush token [-h] [--secret SECRET] [--channels CH,CH] [--ttl DURATION] USER";

/** The text of `thunderpush token -h`. */
export const TOKEN_HELP = `${TOKEN_USAGE}

Prints a user token for a server started with --require-token: a JWT signed HS256 with the
application's secret, letting its holder CONNECT as USER (CONNECT USER:publickey:TOKEN).
Applications make these in their backend (signToken() of the package, or any JWT library).

positional arguments:
  USER                  the user id (the token's "sub" claim)

options:
  -h, --help            show this help message and exit
  --secret SECRET       the application's secret (or THUNDERPUSH_SECRET, which keeps it
                        out of process listings)
  --channels CH,CH      private- channels the holder may join, separated by commas
                        (the "channels" claim)
  --ttl DURATION        how long the token is valid: seconds, or a number followed by s, m,
                        h or d (default 1h)
`;

/** Runs `thunderpush token` with the arguments after `token`; returns 0, or 2 on a usage error. */
export async function runTokenCommand(
  argv: readonly string[],
  platform: TokenPlatform,
): Promise<number> {
  const fail = (message: string) => {
    platform.stderr(`${TOKEN_USAGE}\nthunderpush token: error: ${message}\n`);
    return 2;
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: "boolean", short: "h" },
        secret: { type: "string" },
        channels: { type: "string" },
        ttl: { type: "string" },
      },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    platform.stdout(TOKEN_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    return fail(
      positionals.length === 0
        ? "the following arguments are required: USER"
        : `unrecognized arguments: ${positionals.slice(1).join(" ")}`,
    );
  }
  const secret = values.secret ?? platform.env().THUNDERPUSH_SECRET;
  if (!secret) return fail("--secret (or THUNDERPUSH_SECRET) is required");
  const channels = values.channels?.split(",").map((ch) => ch.trim()).filter((ch) => ch !== "");
  try {
    const expiresIn = parseDuration(values.ttl ?? "1h");
    const token = await signToken({
      userId: positionals[0]!,
      secret,
      expiresIn,
      ...(channels ? { channels } : {}),
    });
    platform.stdout(token + "\n");
    return 0;
  } catch (error) {
    return fail((error as Error).message);
  }
}
