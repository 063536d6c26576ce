/**
 * Starts a real `hardhat node` JSON-RPC server on 127.0.0.1 at a free port for E2E tests (via
 * node_modules/.bin/hardhat, not npx: killing an npx wrapper leaves the server bound).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { JsonRpcProvider, Network, Wallet } from "ethers";

import { ROOT } from "../helpers/cache.js";
import { trackChild } from "../helpers/children.js";

/** Hardhat's public dev keys (accounts 0–4): owner, provider, consumer, other, lazy provider. */
export const DEV_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
] as const;

export const NODE_ENV_PATH = `${path.join(ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}`;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningNode {
  url: string;
  provider: JsonRpcProvider;
  wallets: Wallet[];
  child: ChildProcess;
  stop: () => Promise<void>;
}

export async function startHardhatNode(): Promise<RunningNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = trackChild(
    spawn(
      path.join(ROOT, "node_modules", ".bin", "hardhat"),
      ["node", "--hostname", "127.0.0.1", "--port", String(port)],
      {
        cwd: ROOT,
        env: { ...process.env, PATH: NODE_ENV_PATH },
        stdio: ["ignore", "pipe", "pipe"],
      },
    ),
  );
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited: ${output.slice(-500)}`);
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > until) {
      child.kill("SIGKILL");
      throw new Error(`hardhat node did not start: ${output.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const provider = new JsonRpcProvider(url, Network.from(31337n), {
    staticNetwork: true,
    pollingInterval: 100,
    cacheTimeout: -1,
  });
  return {
    url,
    provider,
    wallets: DEV_KEYS.map((k) => new Wallet(k, provider)),
    child,
    stop: async () => {
      provider.destroy();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
    },
  };
}

/** Moves the chain's clock forward and mines a block. */
export async function increaseTime(provider: JsonRpcProvider, seconds: number): Promise<void> {
  await provider.send("evm_increaseTime", [seconds]);
  await provider.send("evm_mine", []);
}
