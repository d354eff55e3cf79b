// Build the panel into ONE deterministic, minified ES module that the integration serves.
// No source map, no timestamp, no absolute paths: the same input gives the same bytes.
import { build } from "esbuild";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { minifyTemplatesPlugin } from "./minify-templates.mjs";

const here = dirname(fileURLToPath(import.meta.url));
export const OUTFILE = join(here, "..", "custom_components", "parcel_locker", "frontend", "parcel-locker-panel.js");

const pkg = JSON.parse(await readFile(join(here, "package.json"), "utf8"));

const result = await build({
  absWorkingDir: here,
  entryPoints: ["src/parcel-locker-panel.ts"],
  bundle: true,
  format: "esm",
  target: ["es2022", "chrome111", "safari16.4", "firefox113"],
  platform: "browser",
  minify: true,
  sourcemap: false,
  legalComments: "eof",
  charset: "utf8",
  treeShaking: true,
  write: false,
  plugins: [minifyTemplatesPlugin],
  logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
  banner: { js: `// Parcel Locker panel ${pkg.version}. Built from frontend/ (npm run build); do not edit.` },
});

const [file] = result.outputFiles;
await mkdir(dirname(OUTFILE), { recursive: true });
await writeFile(OUTFILE, file.contents);
console.log(`${OUTFILE.slice(join(here, "..").length + 1)}: ${file.contents.length} bytes`);
