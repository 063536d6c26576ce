/**
 * A real redis-server for the job-queue tests: Debian's package (`apt-get install redis-server`),
 * started on a free loopback port with no persistence, in a temp folder, tracked (children.ts) so
 * a failed test never leaves it running, and stopped by its PID.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

import { trackChild } from "./children.js";

export const REDIS_SERVER = process.env.REDIS_SERVER ?? "redis-server";

export interface RedisServer {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** A port the kernel had free a moment ago on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Throws (the test fails, never skips) when redis-server is not installed, saying how to install it. */
export function requireRedisServer(): void {
  const r = spawnSync(REDIS_SERVER, ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0)
    throw new Error(
      `redis-server is not installed (${REDIS_SERVER}): the job-queue tests need a real Redis. Install it: sudo apt-get install -y redis-server`,
    );
}

export async function startRedis(): Promise<RedisServer> {
  requireRedisServer();
  const dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-redis-"));
  const port = await freePort();
  const child: ChildProcess = trackChild(
    spawn(
      REDIS_SERVER,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      { stdio: ["ignore", "pipe", "pipe"] },
    ),
  );
  let log = "";
  child.stdout!.on("data", (b: Buffer) => (log += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (log += b.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start in 10 s:\n${log}`)), 10_000);
    const check = () => {
      if (/Ready to accept connections/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (code ${code}):\n${log}`));
    });
  });
  const pid = child.pid!;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        process.kill(pid, "SIGKILL");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
