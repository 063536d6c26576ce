import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

import { ROOT, TEST_CACHE } from "./cache.js";

const run = promisify(execFile);
const BIN = path.join(ROOT, "bin", "zkinfer.js");

/**
 * Runs `zkinfer` as a user would (its own process, the test artifact cache), with no key, no
 * keystore password and no RPC retries unless `env` gives them (a variable given as undefined is
 * removed); resolves with the exit code and both streams.
 */
export async function zkinfer(
  env: Record<string, string | undefined>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const merged: Record<string, string | undefined> = { ...process.env, ZKINFER_RPC_RETRIES: "0" };
  delete merged.ZKINFER_PRIVATE_KEY;
  delete merged.ZKINFER_KEYSTORE_PASSWORD;
  Object.assign(merged, env);
  for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, "--cache", TEST_CACHE, ...args], {
      cwd: ROOT,
      env: merged as NodeJS.ProcessEnv,
      maxBuffer: 64 * 1024 * 1024,
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
