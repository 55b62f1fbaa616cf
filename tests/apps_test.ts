/** The `--apps` file: its shape, and key pairs that could never be used refused at start. */

import assert from "node:assert/strict";
import { keyPairProblem, parseAppsFile } from "../lib/cli/apps.ts";

Deno.test("parseAppsFile() reads an array or {apps: [...]}", () => {
  const apps = [{ publicKey: "shop", secret: "s3cret" }, { publicKey: "blog", secret: "x y" }];
  assert.deepEqual(parseAppsFile(JSON.stringify(apps)), apps);
  assert.deepEqual(parseAppsFile(JSON.stringify({ apps })), apps);
});

Deno.test("parseAppsFile() reads an app's own webhookUrl, an http(s) URL", () => {
  const apps = [{ publicKey: "shop", secret: "s", webhookUrl: "https://shop.example/hooks" }];
  assert.deepEqual(parseAppsFile(JSON.stringify(apps)), apps);
  assert.throws(
    () => parseAppsFile(JSON.stringify([{ publicKey: "a", secret: "s", webhookUrl: "nope" }])),
    /entry 0: webhookUrl: not an absolute http\(s\) URL: 'nope'/,
  );
  assert.throws(
    () => parseAppsFile(JSON.stringify([{ publicKey: "a", secret: "s", webhookUrl: 1 }])),
    /entry 0: webhookUrl: "webhookUrl" must be a string/,
  );
});

Deno.test("parseAppsFile() names the entry whose secret no HTTP header can carry", () => {
  for (
    const [entry, message] of [
      [{ publicKey: "a", secret: "sécret" }, /entry 1: the secret must be printable ASCII/],
      [{ publicKey: "a", secret: "s\u00ff" }, /entry 1: .* U\+00FF at position 1/],
      [{ publicKey: "a", secret: "s " }, /entry 1: the secret cannot start or end with a space/],
      [{ publicKey: "a\ud800", secret: "s" }, /entry 1: the public key .* API path/],
      [{ publicKey: "..", secret: "s" }, /entry 1: the public key ".." cannot be named/],
      [{ publicKey: "a:b", secret: "s" }, /entry 1: the public key cannot contain ":"/],
      [{ publicKey: "a", secret: "" }, /entry 1: "secret" must be a non-empty string/],
    ] as const
  ) {
    const text = JSON.stringify([{ publicKey: "ok", secret: "fine" }, entry]);
    assert.throws(() => parseAppsFile(text), message);
  }
});

Deno.test("keyPairProblem() accepts every printable ASCII secret and any reachable key", () => {
  let printable = "";
  for (let c = 0x21; c < 0x7f; c++) printable += String.fromCharCode(c);
  assert.equal(keyPairProblem("é€𝄞 /%", printable.replace(":", "") + " inner space"), undefined);
});

Deno.test("parseAppsFile() reads each entry's historySize and historyTtl, checked", () => {
  const apps = parseAppsFile(JSON.stringify([
    { publicKey: "a", secret: "s", historySize: 10 },
    { publicKey: "b", secret: "s", historySize: 0, historyTtl: 60 },
    { publicKey: "c", secret: "s" },
  ]));
  assert.deepEqual(apps, [
    { publicKey: "a", secret: "s", history: { size: 10 } },
    { publicKey: "b", secret: "s", history: { size: 0, ttl: 60 } },
    { publicKey: "c", secret: "s" },
  ]);
  for (
    const bad of [{ historySize: -1 }, { historySize: 1.5 }, { historyTtl: 0 }, {
      historySize: "9",
    }]
  ) {
    assert.throws(
      () => parseAppsFile(JSON.stringify([{ publicKey: "a", secret: "s", ...bad }])),
      /entry 0: "history(Size|Ttl)" must be an integer/,
    );
  }
});

Deno.test("parseAppsFile() takes requireToken: true or false per app, nothing else", () => {
  const text = JSON.stringify([
    { publicKey: "shop", secret: "s3cret", requireToken: true },
    { publicKey: "blog", secret: "x", requireToken: false },
  ]);
  assert.deepEqual(parseAppsFile(text), [
    { publicKey: "shop", secret: "s3cret", requireToken: true },
    { publicKey: "blog", secret: "x" },
  ]);
  assert.throws(
    () => parseAppsFile('[{"publicKey": "a", "secret": "s", "requireToken": "yes"}]'),
    /entry 0: "requireToken" must be true or false/,
  );
});
