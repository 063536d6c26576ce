/** Runs `zkinfer` as a real child process and follows its output (for E2E tests). */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

import { ROOT, TEST_CACHE } from "../helpers/cache.js";
import { trackChild } from "../helpers/children.js";
import { NODE_ENV_PATH } from "./hardhatNode.js";

export interface CliProcess {
  child: ChildProcess;
  /** Everything written so far on stdout and stderr. */
  text(): string;
  stdout(): string;
  stderr(): string;
  /** Resolves once the output matches `re`; rejects on timeout or exit. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (kills the process after `timeoutMs`). */
  exit(timeoutMs?: number): Promise<number | null>;
}

export function spawnZkinfer(args: string[], env: Record<string, string>): CliProcess {
  const child = trackChild(
    spawn(process.execPath, [path.join(ROOT, "bin", "zkinfer.js"), "--cache", TEST_CACHE, ...args], {
      cwd: ROOT,
      env: { ...process.env, PATH: NODE_ENV_PATH, ZKINFER_PRIVATE_KEY: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  let out = "";
  let err = "";
  let all = "";
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    all += d.toString();
    notify();
  });
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
    all += d.toString();
    notify();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    text: () => all,
    stdout: () => out,
    stderr: () => err,
    waitFor(re, timeoutMs = 60_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (re.test(all)) {
            done();
            resolve();
          }
        };
        const t = setTimeout(() => {
          done();
          reject(new Error(`timed out waiting for ${re}: ${all.slice(-1500)}`));
        }, timeoutMs);
        const onExit = () => {
          setImmediate(() => {
            if (re.test(all)) return resolve();
            done();
            reject(new Error(`exited before ${re}: ${all.slice(-1500)}`));
          });
        };
        const done = () => {
          clearTimeout(t);
          listeners.delete(check);
          child.off("exit", onExit);
        };
        listeners.add(check);
        child.once("exit", onExit);
        check();
      });
    },
    async exit(timeoutMs = 120_000) {
      const t = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(t);
      }
    },
  };
}
