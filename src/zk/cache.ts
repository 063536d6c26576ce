import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";

/**
 * Build output (r1cs, wasm, ptau, zkey) lives under one cache root, in folders named by the
 * content hash of what produced them, so a change of input never reuses a stale artifact and
 * an unchanged input is never rebuilt. The root is `.zkinfer/` in the project unless
 * `ZKINFER_CACHE` says otherwise; callers pass it explicitly (no global state).
 */
export function defaultCacheDir(projectRoot: string = process.cwd()): string {
  return process.env.ZKINFER_CACHE ?? path.join(projectRoot, ".zkinfer");
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Runs `build(tmpDir)` and moves its output into `finalDir` atomically, so an interrupted build
 * leaves no half-written artifact where a later run would trust it.
 */
export async function buildAtomically(finalDir: string, build: (tmpDir: string) => Promise<void>): Promise<void> {
  const tmpDir = `${finalDir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmpDir, { recursive: true });
  try {
    await build(tmpDir);
    await rm(finalDir, { recursive: true, force: true });
    await rename(tmpDir, finalDir);
  } catch (err) {
    await rm(tmpDir, { recursive: true, force: true });
    throw err;
  }
}
