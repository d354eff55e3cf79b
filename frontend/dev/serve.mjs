// Build the dev harness and serve it: http://127.0.0.1:5180/parcel-locker?role=staff
// (any path under /parcel-locker is the panel's route, as inside Home Assistant).
import { build } from "esbuild";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".png": "image/png", ".gif": "image/gif", ".map": "application/json" };

export async function buildHarness() {
  await build({
    absWorkingDir: join(here, ".."),
    entryPoints: ["dev/main.ts"],
    bundle: true,
    format: "esm",
    target: "es2022",
    sourcemap: "inline",
    outfile: join(here, "dist", "harness.js"),
    logLevel: "warning",
  });
}

export async function serve(port = Number(process.env.PORT ?? 5180)) {
  await buildHarness();
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const file = url.pathname.startsWith("/dist/") ? normalize(join(here, url.pathname)) : join(here, "index.html");
    if (!file.startsWith(here)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      response.end(body);
    } catch {
      response.writeHead(404).end("not found");
    }
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await serve();
  console.log(`Dev harness: ${url}/parcel-locker?role=staff (roles: staff, courier, resident, visitor; &dark=1 &unit=F)`);
}
