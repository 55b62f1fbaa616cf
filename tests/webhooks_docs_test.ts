/**
 * The signature checks docs/webhooks.md gives receivers, in Python, PHP and Node, run as they are
 * written against a real webhook from a running server: the signature it sent is accepted, and a
 * body or a signature changed by one character is refused.
 */

import assert from "node:assert/strict";
import { KEY, SECRET, startServer, until } from "./helpers/server.ts";
import { SockjsWs } from "./helpers/sockjs_ws.ts";
import { startReceiver } from "./helpers/webhook_receiver.ts";

const DOC = await Deno.readTextFile(new URL("../docs/webhooks.md", import.meta.url));

/** The first fenced block of `lang` in the doc. */
function snippet(lang: string): string {
  const m = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(DOC);
  if (!m) throw new Error(`no ${lang} snippet in docs/webhooks.md`);
  return m[1];
}

/** How each snippet is run: the command, and the snippet with a line that calls it. */
const RUNNERS: Record<string, (code: string) => string[]> = {
  python: (code) => [
    "python3",
    "-c",
    code + "\nimport os, sys\n" +
    "print(str(verify(sys.stdin.buffer.read(), os.environ['SIG'], os.environ['SECRET'])).lower())",
  ],
  php: (code) => {
    const file = Deno.makeTempFileSync({ suffix: ".php" });
    Deno.writeTextFileSync(
      file,
      code + "\necho thunder_verify(file_get_contents('php://stdin'), getenv('SIG'), " +
        "getenv('SECRET')) ? 'true' : 'false';\n",
    );
    return ["php", file];
  },
  js: (code) => [
    "node",
    "--input-type=module",
    "-e",
    code + "\nconst chunks = []; for await (const c of process.stdin) chunks.push(c);\n" +
    "console.log(String(verify(Buffer.concat(chunks), process.env.SIG, process.env.SECRET)));",
  ],
};

async function run(argv: string[], body: string, sig: string): Promise<string> {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: { SIG: sig, SECRET },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(body));
  await writer.close();
  const out = await child.output();
  return new TextDecoder().decode(out.stdout).trim() || new TextDecoder().decode(out.stderr);
}

Deno.test("docs/webhooks.md: the Python, PHP and Node checks accept a real signature only", async () => {
  const receiver = startReceiver();
  const server = startServer({
    apps: [{ publicKey: KEY, secret: SECRET, webhookUrl: receiver.url }],
    webhooks: { batchDelay: 10 },
  });
  try {
    // A user id with non-ASCII text: the body's bytes, not its characters, are signed.
    const c = await SockjsWs.session(server.base);
    c.send(`CONNECT zoë 🚀:${KEY}`, "SUBSCRIBE room");
    await until(() => receiver.events().length === 2);
    await c.close();
    const [{ body, headers }] = receiver.requests;
    const sig = headers.get("x-thunder-signature")!;
    const wrongSig = (sig[0] === "0" ? "1" : "0") + sig.slice(1);
    for (const [lang, runner] of Object.entries(RUNNERS)) {
      const argv = runner(snippet(lang));
      assert.equal(await run(argv, body, sig), "true", `${lang} refused a good signature`);
      assert.equal(await run(argv, body, wrongSig), "false", `${lang} took a wrong signature`);
      assert.equal(await run(argv, body.replace("zo", "Zo"), sig), "false", `${lang}: body`);
      if (lang === "php") await Deno.remove(argv[1]);
    }
  } finally {
    await server.close();
    await receiver.close();
  }
});
