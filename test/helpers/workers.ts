import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

import { ROOT, TEST_CACHE } from "./cache.js";
import { trackChild } from "./children.js";

const BIN = path.join(ROOT, "bin", "zkinfer.js");

/** A `zkinfer worker` child process and its log lines. */
export interface WorkerProcess {
  child: ChildProcess;
  lines: string[];
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export function startWorker(url: string, ...extra: string[]): WorkerProcess {
  const child = trackChild(
    spawn(process.execPath, [BIN, "--cache", TEST_CACHE, "worker", "--queue", url, "--lock-seconds", "1.5", ...extra], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let buf = "";
  const onData = (b: Buffer) => {
    buf += b.toString();
    const parts = buf.split("\n");
    buf = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const waitFor = (re: RegExp, timeoutMs = 30_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker never logged ${re}:\n${lines.join("\n")}`)), timeoutMs);
      const check = () => {
        const hit = lines.find((l) => re.test(l));
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
        } else waiters.push(check);
      };
      check();
    });
  return {
    child,
    lines,
    waitFor,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
