import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

import { ROOT, TEST_CACHE } from "./cache.js";

const run = promisify(execFile);
const BIN = path.join(ROOT, "bin", "zkinfer.js");

/**
 * Runs `zkinfer` as a user would (its own process, the test artifact cache), with no key and no
 * RPC retries unless `env` gives them; resolves with the exit code and both streams.
 */
export async function zkinfer(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, "--cache", TEST_CACHE, ...args], {
      cwd: ROOT,
      env: { ...process.env, ZKINFER_PRIVATE_KEY: "", ZKINFER_RPC_RETRIES: "0", ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The error lines of stderr (progress lines may come before them). */
export const errorLine = (stderr: string): string[] =>
  stderr
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("zkinfer: error:"));
