/** The command line parser: the original's CLITestCase, defaults, and usage errors. */

import assert from "node:assert/strict";
import { parseCli } from "../lib/cli/args.ts";
import { HELP } from "../lib/cli/help.ts";

Deno.test("CLITestCase.test_args: missing positionals are usage errors", () => {
  assert.equal(parseCli([]).kind, "error");
  assert.match((parseCli([]) as { message: string }).message, /clientkey, apikey/);
  assert.equal(parseCli(["foo"]).kind, "error");
  assert.match((parseCli(["foo"]) as { message: string }).message, /required: apikey/);
});

Deno.test("CLITestCase.test_args: -d, '-p 1234', '-H foobar', keys", () => {
  const parsed = parseCli(["-d", "-p 1234", "-H foobar", "foo", "bar"]);
  assert.equal(parsed.kind, "run");
  if (parsed.kind !== "run") return;
  assert.equal(parsed.options.clientKey, "foo");
  assert.equal(parsed.options.apiKey, "bar");
  assert.equal(parsed.options.logLevel, "debug");
  assert.equal(parsed.options.port, 1234);
  assert.equal(parsed.options.host, "foobar");
});

Deno.test("parseCli() defaults: port 8080, all interfaces, /tmp/thunderpush.pid, 64 KiB", () => {
  const parsed = parseCli(["k", "s"]);
  assert.deepEqual(parsed, {
    kind: "run",
    options: {
      clientKey: "k",
      apiKey: "s",
      port: 8080,
      host: "",
      logLevel: "info",
      pidPath: "/tmp/thunderpush.pid",
      maxMessageSize: 65536,
      heartbeatDelay: 25000,
      disconnectDelay: 5000,
      headerTimeout: 10000,
      maxConnections: 50000,
      maxChannelsPerConnection: 50,
      maxIdLength: 256,
      maxCommandsPerSecond: 100,
      maxBufferedBytes: 1048576,
      maxQueuedMessages: 1000,
      maxLogLinesPerSecond: 1000,
      shutdownGrace: 5000,
      presenceTtl: 15000,
      redisTimeout: 3000,
      historySize: 0,
      historyTtl: 300,
      metricsPort: null,
      redis: null,
      appsFile: null,
      cert: null,
      key: null,
      logFormat: "text",
      server: null,
      requireToken: false,
      dashboard: true,
      webhookUrl: null,
      webhookGrace: 3000,
    },
  });
});

Deno.test("parseCli() takes --webhook-url and --webhook-grace (or THUNDERPUSH_WEBHOOK_*)", () => {
  const parsed = parseCli([
    "--webhook-url",
    "https://app.example/hooks",
    "--webhook-grace",
    "0",
    "k",
    "s",
  ]);
  assert.equal(parsed.kind === "run" && parsed.options.webhookUrl, "https://app.example/hooks");
  assert.equal(parsed.kind === "run" && parsed.options.webhookGrace, 0);
  const env = { THUNDERPUSH_WEBHOOK_URL: "http://127.0.0.1:9/h", THUNDERPUSH_WEBHOOK_GRACE: "500" };
  const fromEnv = parseCli(["k", "s"], env);
  assert.equal(fromEnv.kind === "run" && fromEnv.options.webhookUrl, "http://127.0.0.1:9/h");
  assert.equal(fromEnv.kind === "run" && fromEnv.options.webhookGrace, 500);
  for (const url of ["app.example/hooks", "ftp://app.example/", "/hooks"]) {
    assert.deepEqual(parseCli(["--webhook-url", url, "k", "s"]), {
      kind: "error",
      message: `argument --webhook-url: not an absolute http(s) URL: '${url}'`,
    });
  }
  assert.equal(parseCli(["--webhook-grace", "-1", "k", "s"]).kind, "error");
});

Deno.test("parseCli() takes --server deno|node (or THUNDERPUSH_SERVER); null leaves the runtime's own", () => {
  const server = (argv: string[], env = {}) => {
    const parsed = parseCli([...argv, "k", "s"], env);
    return parsed.kind === "run" ? parsed.options.server : parsed;
  };
  assert.equal(server([]), null);
  assert.equal(server(["--server", "node"]), "node");
  assert.equal(server(["--server=deno"]), "deno");
  assert.equal(server([], { THUNDERPUSH_SERVER: "node" }), "node");
  assert.equal(server(["--server", "deno"], { THUNDERPUSH_SERVER: "node" }), "deno");
  assert.deepEqual(server(["--server", "bun"]), {
    kind: "error",
    message: "argument --server: invalid choice: 'bun' (choose from 'deno', 'node')",
  });
});

Deno.test("parseCli() takes --redis (or THUNDERPUSH_REDIS_URL), --apps without keys, TLS pairs", () => {
  const redis = parseCli(["--redis", "redis://127.0.0.1:1", "k", "s"]);
  assert.equal(redis.kind === "run" && redis.options.redis, "redis://127.0.0.1:1");
  const fromEnv = parseCli(["k", "s"], { THUNDERPUSH_REDIS_URL: "redis://h:2" });
  assert.equal(fromEnv.kind === "run" && fromEnv.options.redis, "redis://h:2");
  const apps = parseCli(["--apps", "/tmp/apps.json"]);
  assert.equal(apps.kind, "run");
  if (apps.kind === "run") {
    assert.deepEqual([apps.options.clientKey, apps.options.appsFile], [null, "/tmp/apps.json"]);
  }
  assert.deepEqual(parseCli(["--cert", "c.pem", "k", "s"]), {
    kind: "error",
    message: "--cert and --key go together",
  });
  assert.equal(parseCli(["--log-format", "xml", "k", "s"]).kind, "error");
  const json = parseCli(["--log-format", "json", "--metrics-port", "0", "k", "s"]);
  assert.equal(json.kind === "run" && json.options.logFormat, "json");
  assert.equal(json.kind === "run" && json.options.metricsPort, 0);
});

Deno.test("parseCli() takes --require-token (or THUNDERPUSH_REQUIRE_TOKEN=1)", () => {
  const requireToken = (argv: string[], env = {}) => {
    const parsed = parseCli([...argv, "k", "s"], env);
    return parsed.kind === "run" ? parsed.options.requireToken : parsed;
  };
  assert.equal(requireToken([]), false);
  assert.equal(requireToken(["--require-token"]), true);
  assert.equal(requireToken([], { THUNDERPUSH_REQUIRE_TOKEN: "1" }), true);
  assert.equal(requireToken([], { THUNDERPUSH_REQUIRE_TOKEN: "true" }), true);
  assert.equal(requireToken([], { THUNDERPUSH_REQUIRE_TOKEN: "0" }), false);
  assert.equal(parseCli(["--require-token=yes", "k", "s"]).kind, "error");
  assert.match(HELP, /--require-token +every CONNECT must carry a user token/);
  assert.match(HELP, /thunderpush token USER --secret S/);
});

Deno.test("parseCli() takes every flag from THUNDERPUSH_* variables; flags win", () => {
  const env = {
    THUNDERPUSH_PUBLIC_KEY: "envkey",
    THUNDERPUSH_SECRET: "envsecret",
    THUNDERPUSH_PORT: "9001",
    THUNDERPUSH_HOST: "127.0.0.1",
    THUNDERPUSH_VERBOSE: "1",
    THUNDERPUSH_PID_PATH: "/tmp/env.pid",
    THUNDERPUSH_MAX_CONNECTIONS: "7",
  };
  const parsed = parseCli([], env);
  assert.equal(parsed.kind, "run");
  if (parsed.kind !== "run") return;
  assert.equal(parsed.options.clientKey, "envkey");
  assert.equal(parsed.options.apiKey, "envsecret");
  assert.equal(parsed.options.port, 9001);
  assert.equal(parsed.options.host, "127.0.0.1");
  assert.equal(parsed.options.logLevel, "verbose");
  assert.equal(parsed.options.pidPath, "/tmp/env.pid");
  assert.equal(parsed.options.maxConnections, 7);
  const flagsWin = parseCli(["-p", "1", "--max-connections", "3", "k", "s"], env);
  assert.equal(flagsWin.kind, "run");
  if (flagsWin.kind !== "run") return;
  assert.deepEqual(
    [flagsWin.options.port, flagsWin.options.maxConnections, flagsWin.options.clientKey],
    [1, 3, "k"],
  );
  const bad = parseCli([], { ...env, THUNDERPUSH_PORT: "http" });
  assert.deepEqual(bad, {
    kind: "error",
    message:
      "argument THUNDERPUSH_PORT: invalid value: 'http' (expected an integer from 0 to 65535)",
  });
  assert.equal(parseCli([], { THUNDERPUSH_PUBLIC_KEY: "only" }).kind, "error");
});

Deno.test("parseCli() long options, -v, and help or version before anything else", () => {
  const parsed = parseCli([
    "--port",
    "9000",
    "--host",
    "127.0.0.1",
    "-v",
    "--pid-path",
    "/tmp/x.pid",
    "--max-message-size",
    "10",
    "k",
    "s",
  ]);
  assert.equal(parsed.kind, "run");
  if (parsed.kind === "run") {
    assert.equal(parsed.options.port, 9000);
    assert.equal(parsed.options.host, "127.0.0.1");
    assert.equal(parsed.options.logLevel, "verbose");
    assert.equal(parsed.options.pidPath, "/tmp/x.pid");
    assert.equal(parsed.options.maxMessageSize, 10);
  }
  assert.deepEqual(parseCli(["-h"]), { kind: "help" });
  assert.deepEqual(parseCli(["--help", "k"]), { kind: "help" });
  assert.deepEqual(parseCli(["-V"]), { kind: "version" });
});

Deno.test("parseCli() refuses a secret no header can carry, a public key no path can name", () => {
  for (
    const [key, secret, message] of [
      ["k", "sécret", /the secret must be printable ASCII .* U\+00E9 at position 1/],
      ["k", "s\u2028", /printable ASCII .* U\+2028/],
      ["k", "a\tb", /printable ASCII .* U\+0009/],
      ["k", " s", /cannot start or end with a space/],
      ["k", "s ", /cannot start or end with a space/],
      ["k", "", /the secret is empty/],
      ["", "s", /the public key is empty/],
      ["a:b", "s", /cannot contain ":"/],
      [".", "s", /cannot be named in an API path/],
      ["..", "s", /cannot be named in an API path/],
      ["q\ud800", "s", /cannot be named in an API path/],
    ] as const
  ) {
    for (
      const parsed of [
        parseCli([key, secret]),
        parseCli([], { THUNDERPUSH_PUBLIC_KEY: key, THUNDERPUSH_SECRET: secret }),
      ]
    ) {
      assert.equal(parsed.kind, "error", JSON.stringify([key, secret]));
      const text = (parsed as { message: string }).message;
      assert.match(text, message);
      assert.ok(!text.includes("sécret"), "the secret itself is not quoted");
    }
  }
  assert.equal(parseCli(["k", "s e c r e t !~"]).kind, "run");
});

Deno.test("parseCli() rejects bad numbers, unknown flags and extra arguments", () => {
  for (
    const argv of [
      ["-p", "abc", "k", "s"],
      ["-p", "70000", "k", "s"],
      ["-p", "-1", "k", "s"],
      ["-p", "1.5", "k", "s"],
      ["--max-message-size", "0", "k", "s"],
      ["--heartbeat-delay", "x", "k", "s"],
      ["--bogus", "k", "s"],
      ["k", "s", "extra"],
      ["-p"],
    ]
  ) {
    const parsed = parseCli(argv);
    assert.equal(parsed.kind, "error", argv.join(" "));
  }
  assert.match(
    (parseCli(["-p", "abc", "k", "s"]) as { message: string }).message,
    /argument -p\/--port: invalid value: 'abc'/,
  );
});

Deno.test("parseCli() takes --history-size and --history-ttl (or THUNDERPUSH_HISTORY_*)", () => {
  const parsed = parseCli(["--history-size", "100", "--history-ttl", "60", "k", "s"]);
  assert.equal(parsed.kind, "run");
  if (parsed.kind !== "run") return;
  assert.deepEqual([parsed.options.historySize, parsed.options.historyTtl], [100, 60]);
  const env = parseCli(["k", "s"], { THUNDERPUSH_HISTORY_SIZE: "5", THUNDERPUSH_HISTORY_TTL: "9" });
  assert.equal(env.kind, "run");
  if (env.kind !== "run") return;
  assert.deepEqual([env.options.historySize, env.options.historyTtl], [5, 9]);
  for (
    const argv of [
      ["--history-size", "-1"],
      ["--history-size", "100001"],
      ["--history-ttl", "0"],
      ["--history-ttl", "2592001"],
    ]
  ) {
    assert.equal(parseCli([...argv, "k", "s"]).kind, "error", argv.join(" "));
  }
  assert.match(HELP, /--history-size N/);
  assert.match(HELP, /--history-ttl SECONDS/);
});

Deno.test("parseCli() serves the dashboard unless --no-dashboard or THUNDERPUSH_NO_DASHBOARD", () => {
  const dashboard = (argv: string[], env: Record<string, string> = {}) => {
    const parsed = parseCli([...argv, "k", "s"], env);
    assert.equal(parsed.kind, "run");
    return parsed.kind === "run" && parsed.options.dashboard;
  };
  assert.equal(dashboard([]), true);
  assert.equal(dashboard(["--no-dashboard"]), false);
  assert.equal(dashboard([], { THUNDERPUSH_NO_DASHBOARD: "1" }), false);
  assert.equal(dashboard([], { THUNDERPUSH_NO_DASHBOARD: "no" }), true);
  assert.match(HELP, /--no-dashboard +do not serve the live dashboard/);
});
