/**
 * Parses the command line, `thunderpush [options] clientkey apikey`, with `node:util`'s
 * `parseArgs` (on Deno and Node alike). Every flag can also come from an environment variable
 * (`THUNDERPUSH_PORT`, ...), the keys from `THUNDERPUSH_PUBLIC_KEY` and `THUNDERPUSH_SECRET`
 * (out of process listings); a flag on the command line wins.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { keyPairProblem, webhookUrlProblem } from "./apps.ts";
import {
  type CliOptions,
  type Flag,
  NUMBER_FLAG_ENTRIES,
  numberFlag,
  type NumericKey,
  OTHER_FLAGS,
  SERVER_KINDS,
  type ServerKind,
  STRING_FLAGS,
  type StringFlag,
} from "./flags.ts";

/** The outcome of parsing: run with options, print help or version, or a usage error. */
export type CliCommand =
  | { readonly kind: "run"; readonly options: CliOptions }
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | { readonly kind: "error"; readonly message: string };

/** Every flag of the tables by name, as `parseArgs` takes them. */
const PARSE_OPTIONS = Object.fromEntries(
  [
    ...Object.entries(OTHER_FLAGS),
    ...Object.entries(STRING_FLAGS),
    ...NUMBER_FLAG_ENTRIES.map(([key, f]) => [numberFlag(key), f] as const),
  ].map(([flag, { short, metavar }]: readonly [string, Flag]) => [
    flag,
    { type: metavar ? "string" as const : "boolean" as const, ...(short ? { short } : {}) },
  ]),
);

type Env = Readonly<Record<string, string | undefined>>;
type Values = Record<string, string | boolean | undefined>;
/** A usage error's message. */
type Problem = { readonly error: string };

/**
 * Parses the command line (without the program name), with `env` for the variables.
 *
 * @example
 * ```ts
 * const command: CliCommand = parseCli(["-p", "8000", "public", "secret"]);
 * command.kind; // "run" (and `command.options.port` is 8000)
 * ```
 */
export function parseCli(argv: readonly string[], env: Env = {}): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: PARSE_OPTIONS,
    });
  } catch (error) {
    return { kind: "error", message: (error as Error).message };
  }
  const values: Values = parsed.values;
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const options = readOptions(values, parsed.positionals, env);
  return "error" in options ? { kind: "error", message: options.error } : { kind: "run", options };
}

/** The options from the parsed flags and the environment, or the first usage error. */
function readOptions(values: Values, positionals: string[], env: Env): CliOptions | Problem {
  const numbers = readNumbers(values, env);
  if ("error" in numbers) return numbers;
  const text = readTexts(values, env);
  const hookProblem = text.webhookUrl ? webhookUrlProblem(text.webhookUrl) : undefined;
  if (hookProblem) return { error: `argument --webhook-url: ${hookProblem}` };
  if ((text.cert === null) !== (text.key === null)) {
    return { error: "--cert and --key go together" };
  }
  const logFormat = flagOrEnv(values, env, "log-format") ?? "text";
  if (logFormat !== "text" && logFormat !== "json") {
    return {
      error: `argument --log-format: invalid choice: '${logFormat}' (choose from 'text', 'json')`,
    };
  }
  const server = flagOrEnv(values, env, "server") ?? null;
  if (server !== null && !SERVER_KINDS.includes(server as ServerKind)) {
    return { error: `argument --server: invalid choice: '${server}' (choose from 'deno', 'node')` };
  }
  const rawMetricsPort = flagOrEnv(values, env, "metrics-port");
  const metricsPort = rawMetricsPort === undefined
    ? null
    : integer("--metrics-port", rawMetricsPort, 0, 65535);
  if (typeof metricsPort === "string") return { error: metricsPort };
  const keys = readKeys(positionals, env, text.appsFile !== null);
  if ("error" in keys) return keys;
  const on = (flag: string) =>
    values[flag] === true || TRUE.has((env[envName(flag)] ?? "").toLowerCase());
  return {
    clientKey: keys[0] ?? null,
    apiKey: keys[1] ?? null,
    host: (flagOrEnv(values, env, "host") ?? "").trim(),
    logLevel: on("debug") ? "debug" : on("verbose") ? "verbose" : "info",
    pidPath: flagOrEnv(values, env, "pid-path") ?? "/tmp/thunderpush.pid",
    ...numbers,
    metricsPort,
    ...text,
    logFormat,
    server: server as ServerKind | null,
    requireToken: on("require-token"),
    dashboard: !on("no-dashboard"),
    webhookUrl: text.webhookUrl || null,
  };
}

/** A text flag's value from the command line, else from its environment variable. */
function flagOrEnv(values: Values, env: Env, flag: string): string | undefined {
  return (values[flag] as string | undefined) ?? env[envName(flag)];
}

/** Every numeric flag, checked against its range, or the first one out of it. */
function readNumbers(values: Values, env: Env): Record<NumericKey, number> | Problem {
  const numbers: Partial<Record<NumericKey, number>> = {};
  for (const [key, f] of NUMBER_FLAG_ENTRIES) {
    const flag = numberFlag(key);
    const fromFlag = values[flag] as string | undefined;
    const raw = fromFlag ?? env[envName(flag)];
    const name = fromFlag !== undefined
      ? `${f.short ? `-${f.short}/` : ""}--${flag}`
      : envName(flag);
    const value = raw === undefined ? f.fallback : integer(name, raw, ...f.range);
    if (typeof value === "string") return { error: value };
    numbers[key] = value;
  }
  return numbers as Record<NumericKey, number>;
}

/** Every text flag, null where neither the flag nor its variable is set. */
function readTexts(values: Values, env: Env): Record<StringFlag["key"], string | null> {
  return Object.fromEntries(
    Object.entries(STRING_FLAGS).map(([flag, f]) => [f.key, flagOrEnv(values, env, flag) ?? null]),
  ) as Record<StringFlag["key"], string | null>;
}

/** The key pair from the positionals or the environment; none is fine with `--apps`. */
function readKeys(positionals: string[], env: Env, hasApps: boolean): string[] | Problem {
  const keys = positionals.length > 0
    ? positionals
    : [env.THUNDERPUSH_PUBLIC_KEY, env.THUNDERPUSH_SECRET].filter((k) => k !== undefined);
  if (keys.length < 2 && !(keys.length === 0 && hasApps)) {
    const missing = ["clientkey", "apikey"].slice(keys.length).join(", ");
    return { error: `the following arguments are required: ${missing}` };
  }
  if (keys.length > 2) return { error: `unrecognized arguments: ${keys.slice(2).join(" ")}` };
  const problem = keys.length === 2 ? keyPairProblem(keys[0]!, keys[1]!) : undefined;
  return problem ? { error: `argument clientkey/apikey: ${problem}` } : keys;
}

/** An integer in range, or the usage error naming `name`. */
function integer(name: string, raw: string, min: number, max: number): number | string {
  const text = raw.trim();
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    return `argument ${name}: invalid value: '${raw}' (expected an integer from ${min} to ${max})`;
  }
  return value;
}

/** A flag's environment variable: its `env`, else `THUNDERPUSH_` and the flag in capitals. */
function envName(flag: string): string {
  return STRING_FLAGS[flag]?.env ?? "THUNDERPUSH_" + flag.toUpperCase().replaceAll("-", "_");
}

/** Environment values that turn a switch on. */
const TRUE = new Set(["1", "true", "yes", "on"]);
