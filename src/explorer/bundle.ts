/**
 * Builds the explorer page (src/explorer/page/) with esbuild into the artifact cache, keyed by the
 * hash of its sources and of the versions of what it bundles: the first `zkinfer explorer` run
 * builds it (about a second), later runs reuse it. Nothing is fetched: ethers, the shared
 * settlement code and uPlot come from node_modules; snarkjs's own browser build is served as is.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PAGE_DIR = fileURLToPath(new URL("./page", import.meta.url));
const SRC_DIR = fileURLToPath(new URL("..", import.meta.url));
const ROOT = path.resolve(SRC_DIR, "..");

export interface PageBundle {
  dir: string;
  /** app.js, app.css (the page's and uPlot's), index.html. */
  files: Record<string, string>;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (/\.(ts|css|html)$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** Hash of every source the bundle may include (the whole src/ tree: the page imports SDK modules). */
async function sourceHash(): Promise<string> {
  const h = createHash("sha256");
  for (const f of await filesUnder(SRC_DIR)) h.update(path.relative(SRC_DIR, f)).update(await readFile(f));
  for (const pkg of ["ethers", "uplot", "esbuild", "snarkjs"])
    h.update(await readFile(path.join(ROOT, "node_modules", pkg, "package.json")));
  return h.digest("hex").slice(0, 16);
}

/** The page, built once per source version into `<cacheDir>/explorer/<hash>/`. */
export async function buildPage(cacheDir: string, say: (m: string) => void = () => {}): Promise<PageBundle> {
  const dir = path.join(cacheDir, "explorer", await sourceHash());
  const names = ["app.js", "app.css", "index.html"];
  if (!names.every((n) => existsSync(path.join(dir, n)))) {
    say("explorer: building the page (once per version)…");
    const { build } = await import("esbuild");
    const tmp = `${dir}.tmp-${process.pid}`;
    await mkdir(tmp, { recursive: true });
    await build({
      entryPoints: [path.join(PAGE_DIR, "main.ts")],
      bundle: true,
      platform: "browser",
      format: "esm",
      target: "es2022",
      minify: true,
      sourcemap: false,
      outfile: path.join(tmp, "app.js"),
      logLevel: "silent",
    });
    const css = [
      await readFile(path.join(ROOT, "node_modules", "uplot", "dist", "uPlot.min.css"), "utf8"),
      await readFile(path.join(PAGE_DIR, "style.css"), "utf8"),
    ].join("\n");
    await writeFile(path.join(tmp, "app.css"), css);
    await writeFile(path.join(tmp, "index.html"), await readFile(path.join(PAGE_DIR, "index.html")));
    await mkdir(path.dirname(dir), { recursive: true });
    await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
      // Another run built the same version first: keep theirs.
      if (!existsSync(dir)) throw err;
    });
  }
  return { dir, files: Object.fromEntries(names.map((n) => [n, path.join(dir, n)])) };
}

/** snarkjs's browser build (a classic script defining `window.snarkjs`). */
export const SNARKJS_BROWSER = path.join(ROOT, "node_modules", "snarkjs", "build", "snarkjs.min.js");
