/**
 * Builds the npm package `thunderpush` into `npm/` (`deno task build:npm`).
 *
 * 1. The sources are staged in `npm/.stage/`: the entries `mod.ts` (the library) and `node.ts` (the
 *    package's main: the library, the Node adapter and the CLI), `lib/` without the `*_deno.ts`
 *    files (so nothing can still import them), and `client/`; `npm:name@version` specifiers
 *    become bare `name`. No source is rewritten beyond those specifiers.
 * 2. The TypeScript compiler from npm (`node_modules/typescript`) compiles them to ES modules with
 *    `.d.ts` types in `npm/esm/`, rewriting `.ts` import extensions to `.js`: the server against
 *    ES2023 (Node 20) and Node's types, the browser client against the DOM alone.
 * 3. `package.json` is written with the version of `deno.json` and the dependencies the emitted
 *    code imports (at the version an `npm:` specifier asked for, else `^` the version in
 *    `node_modules`); the `bin` script, the client's browser
 *    assets, README and LICENSE are copied next to it.
 *
 * @module
 */

// deno-lint-ignore-file no-console

import ts from "typescript";

const ROOT = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
const OUT = `${ROOT}/npm`;
const STAGE = `${OUT}/.stage`;
const ESM = `${OUT}/esm`;

const BIN = `#!/usr/bin/env node
// The thunderpush command (npm package); see node.ts and lib/cli/cli_node.ts.
import process from "node:process";
import { run } from "../esm/node.js";

await run(process.argv.slice(2));
`;

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* walk(path);
    else if (entry.isFile) yield path;
  }
}

async function copy(from: string, to: string): Promise<void> {
  await Deno.mkdir(to.slice(0, to.lastIndexOf("/")), { recursive: true });
  await Deno.copyFile(from, to);
}

/**
 * Copies the sources to the stage: the entries `mod.ts` and `node.ts`, `lib/` without the Deno-only
 * `*_deno.ts` files (so nothing can still import them) and `client/`, with `npm:` specifiers made
 * bare. Returns the versions the `npm:` specifiers asked for.
 */
async function stage(): Promise<Map<string, string>> {
  const ranges = new Map<string, string>();
  const put = async (path: string, text: string) => {
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, rewriteNpmSpecifiers(text, ranges));
  };
  await Deno.mkdir(STAGE, { recursive: true });
  await Deno.writeTextFile(`${STAGE}/package.json`, '{ "type": "module" }\n');
  for (const entry of ["mod.ts", "node.ts"]) {
    await put(`${STAGE}/${entry}`, await Deno.readTextFile(`${ROOT}/${entry}`));
  }
  for (const dir of ["lib", "client"]) {
    if (!(await exists(`${ROOT}/${dir}`))) continue;
    for await (const path of walk(`${ROOT}/${dir}`)) {
      if (path.endsWith(".ts") && !path.endsWith("_deno.ts")) {
        await put(STAGE + path.slice(ROOT.length), await Deno.readTextFile(path));
      }
    }
  }
  return ranges;
}

const COMMON: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  rewriteRelativeImportExtensions: true,
  declaration: true,
  strict: true,
  skipLibCheck: true,
  noEmitOnError: true,
  newLine: ts.NewLineKind.LineFeed,
  rootDir: STAGE,
  outDir: ESM,
  typeRoots: [`${ROOT}/node_modules/@types`],
};

/** Compiles `roots` (staged paths) with `options` on top of the common ones. */
function compile(roots: string[], options: ts.CompilerOptions): void {
  const program = ts.createProgram(roots, { ...COMMON, ...options });
  const result = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (diagnostics.length > 0) {
    throw new Error(ts.formatDiagnosticsWithColorAndContext(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => STAGE,
      getNewLine: () => "\n",
    }));
  }
}

/** Rewrites the module specifiers of `text` (imports, exports, dynamic imports) with `rewrite`. */
function replaceSpecifiers(text: string, rewrite: (specifier: string) => string): string {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  let result = text;
  for (const ref of [...importedFiles].sort((a, b) => b.pos - a.pos)) {
    const fixed = rewrite(ref.fileName);
    if (fixed === ref.fileName) continue;
    // `pos` is at the opening quote in some TypeScript versions, at the name in others.
    const start = result.startsWith(ref.fileName, ref.pos) ? ref.pos : ref.pos + 1;
    if (!result.startsWith(ref.fileName, start)) throw new Error(`cannot rewrite ${ref.fileName}`);
    result = result.slice(0, start) + fixed + result.slice(start + ref.fileName.length);
  }
  return result;
}

/**
 * A declaration file's relative `.ts` imports pointed at the emitted `.js` (the compiler rewrites
 * them in JavaScript only).
 */
export function rewriteDeclarationImports(text: string): string {
  return replaceSpecifiers(
    text,
    (s) => /^\.\.?\//.test(s) && !/\.d\.[cm]?ts$/.test(s) ? s.replace(/\.([cm]?)ts$/, ".$1js") : s,
  );
}

/**
 * `npm:` specifiers as Node resolves them (`npm:name@1.2.3/sub` → `name/sub`); the version each
 * asked for goes into `ranges`, for `package.json`.
 */
export function rewriteNpmSpecifiers(text: string, ranges: Map<string, string>): string {
  return replaceSpecifiers(text, (specifier) => {
    const m = /^npm:\/?(@[^/@]+\/[^/@]+|[^/@]+)(?:@([^/]+))?(\/.*)?$/.exec(specifier);
    if (!m) return specifier;
    const [, name, range, subpath] = m;
    if (range) {
      const known = ranges.get(name);
      if (known && known !== range) throw new Error(`${name} is imported as ${known} and ${range}`);
      ranges.set(name, range);
    }
    return name + (subpath ?? "");
  });
}

async function fixDeclarations(): Promise<void> {
  for await (const path of walk(ESM)) {
    if (!path.endsWith(".d.ts")) continue;
    const text = await Deno.readTextFile(path);
    const fixed = rewriteDeclarationImports(text);
    if (fixed !== text) await Deno.writeTextFile(path, fixed);
  }
}

/** Whether JavaScript code refers to the `Deno` global (comments aside). */
function usesDeno(code: string): boolean {
  const file = ts.createSourceFile("x.js", code, ts.ScriptTarget.Latest, false);
  const visit = (node: ts.Node): boolean =>
    (ts.isIdentifier(node) && node.text === "Deno") || (ts.forEachChild(node, visit) ?? false);
  return visit(file);
}

/**
 * The npm packages the emitted JavaScript imports: at the version their `npm:` specifier asked
 * for, else at `^` the version in `node_modules`.
 */
async function dependencies(ranges: Map<string, string>): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for await (const path of walk(ESM)) {
    if (!path.endsWith(".js")) continue;
    const text = await Deno.readTextFile(path);
    if (usesDeno(text)) throw new Error(`${path} uses the Deno namespace`);
    for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
      if (/^(\.|\/|node:)/.test(fileName)) continue;
      const parts = fileName.split("/");
      const name = fileName.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
      const manifest = JSON.parse(
        await Deno.readTextFile(`${ROOT}/node_modules/${name}/package.json`),
      );
      found[name] = ranges.get(name) ?? `^${manifest.version}`;
    }
  }
  return Object.fromEntries(Object.entries(found).sort(([a], [b]) => a.localeCompare(b)));
}

/** Builds `npm/`; returns the path of its `package.json`. */
export async function buildNpm(): Promise<string> {
  const denoJson = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  await Deno.remove(OUT, { recursive: true }).catch(() => {});
  const ranges = await stage();
  try {
    compile([`${STAGE}/node.ts`], {
      lib: ["lib.es2023.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
      types: ["node"],
    });
    const hasClient = await exists(`${STAGE}/client/mod.ts`);
    if (hasClient) {
      compile([`${STAGE}/client/mod.ts`], {
        lib: ["lib.esnext.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
        types: [],
      });
    }
    await fixDeclarations();
    const exports: Record<string, unknown> = {
      ".": { types: "./esm/node.d.ts", default: "./esm/node.js" },
    };
    if (hasClient) {
      exports["./client"] = { types: "./esm/client/mod.d.ts", default: "./esm/client/mod.js" };
    }
    for (const asset of ["client/thunderpush.js", "client/vendor"]) {
      if (!(await exists(`${ROOT}/${asset}`))) continue;
      if (asset.endsWith(".js")) {
        await copy(`${ROOT}/${asset}`, `${OUT}/${asset}`);
        exports[`./${asset}`] = `./${asset}`;
      } else {
        for await (const path of walk(`${ROOT}/${asset}`)) {
          await copy(path, OUT + path.slice(ROOT.length));
        }
        exports[`./${asset}/*`] = `./${asset}/*`;
      }
    }
    exports["./package.json"] = "./package.json";
    await Deno.mkdir(`${OUT}/bin`, { recursive: true });
    await Deno.writeTextFile(`${OUT}/bin/thunderpush.js`, BIN, { mode: 0o755 });
    for (const file of ["README.md", "LICENSE"]) await copy(`${ROOT}/${file}`, `${OUT}/${file}`);
    const manifest = {
      name: "thunderpush",
      version: denoJson.version,
      description:
        "Real-time push server: browsers connect over SockJS, applications push through an HTTP API.",
      license: denoJson.license ?? "MIT",
      type: "module",
      keywords: ["push", "sockjs", "websocket", "realtime", "thunderpush", "pubsub"],
      bin: { thunderpush: "./bin/thunderpush.js" },
      main: "./esm/node.js",
      types: "./esm/node.d.ts",
      exports,
      files: ["esm/", "bin/", ...(await exists(`${OUT}/client`)) ? ["client/"] : []],
      engines: { node: ">=20" },
      dependencies: await dependencies(ranges),
    };
    const path = `${OUT}/package.json`;
    await Deno.writeTextFile(path, JSON.stringify(manifest, null, 2) + "\n");
    return path;
  } finally {
    await Deno.remove(STAGE, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const path = await buildNpm();
  console.log(`Built ${path.slice(0, -"/package.json".length)}`);
}
