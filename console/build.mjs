// `make console-bundle`: bundle the official @google/genai SDK for the console page
// into src/openlive/console/static/genai.js (committed; the server needs no Node).
import { readFileSync } from "node:fs";
import { build } from "esbuild";

const sdk = JSON.parse(readFileSync(new URL("./node_modules/@google/genai/package.json", import.meta.url)));

await build({
  entryPoints: [new URL("./sdk.js", import.meta.url).pathname],
  outfile: new URL("../src/openlive/console/static/genai.js", import.meta.url).pathname,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "eof",
  banner: { js: `// @google/genai ${sdk.version}, bundled by esbuild for the openlive console (make console-bundle)` },
  logLevel: "info",
});
