/**
 * Lists the functions, methods and arrow functions in `lib/` longer than a limit (default 60
 * lines, from the line of their name to their closing brace) and exits 1 when there is one. Run
 * by `deno task lint`; `--limit N` changes the limit, `--list` prints them without failing.
 *
 * @module
 */

import ts from "npm:typescript@5.9.3";

const args = Deno.args;
const limitAt = args.indexOf("--limit");
const LIMIT = limitAt >= 0 ? Number(args[limitAt + 1]) : 60;
const listOnly = args.includes("--list");
const root = new URL("../../lib/", import.meta.url);

/** The `.ts` files under `dir`, generated assets left out. */
function* sources(dir: URL): Generator<URL> {
  for (const entry of Deno.readDirSync(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* sources(url);
    else if (entry.name.endsWith(".ts") && entry.name !== "embedded.ts") yield url;
  }
}

/** A readable name for a function-like node. */
function nameOf(node: ts.Node, file: ts.SourceFile): string {
  const named = node as { name?: ts.Node };
  if (named.name) return named.name.getText(file);
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(file);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(file);
  return "(anonymous)";
}

const found: string[] = [];
for (const url of sources(root)) {
  const text = Deno.readTextFileSync(url);
  const file = ts.createSourceFile(url.pathname, text, ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && (node as { body?: ts.Node }).body) {
      const start = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const end = file.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > LIMIT) {
        const where = url.pathname.slice(root.pathname.length - "lib/".length);
        found.push(`${where}:${start + 1} ${nameOf(node, file)} ${lines} lines`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}

// deno-lint-ignore no-console
for (const line of found.sort()) console.log(line);
if (found.length > 0 && !listOnly) {
  // deno-lint-ignore no-console
  console.error(`${found.length} function(s) over ${LIMIT} lines: split them.`);
  Deno.exit(1);
}
