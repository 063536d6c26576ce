/**
 * The explorer's local server, on 127.0.0.1 only. It serves:
 *   /                          the page (built by bundle.ts), /app.js, /app.css, /snarkjs.js
 *   /api/config                the chain id, the contract addresses and their ABIs
 *   /rpc                       a same-origin proxy to the chain's JSON-RPC, for read methods only
 *   /artifacts/setup/<sha256>  a setup manifest from the artifact cache, by its zkey's sha256
 *   /artifacts/vkey/<sha256>   a verification key from the artifact cache, by its own sha256
 * and nothing else; it makes no request but to the RPC. The page trusts none of what it serves
 * beyond the code of the page itself: keys are checked by hash and against the verifier code on
 * chain, and proofs are verified in the page (docs/THREAT_MODEL.md, cases 60–62).
 *
 * Read-only by construction: a web page on another origin may post to a local port, and a dev
 * node (hardhat node) signs `eth_sendTransaction` with unlocked accounts, so the proxy forwards
 * only the read methods the page uses; and a Host header other than this server's own is refused
 * (DNS rebinding).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";

import { loadArtifact } from "../chain/index.js";
import { findCachedSetups } from "../market/index.js";
import { SNARKJS_BROWSER, buildPage } from "./bundle.js";

/** What the page may ask the chain through /rpc. */
export const READ_METHODS = new Set([
  "eth_chainId",
  "net_version",
  "eth_blockNumber",
  "eth_call",
  "eth_getLogs",
  "eth_getCode",
  "eth_getBalance",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_getTransactionByHash",
  "eth_getTransactionReceipt",
]);

export interface ExplorerAddresses {
  market: string;
  registry: string;
  fromBlock: number;
  accuracy?: string;
  accuracyFromBlock?: number;
  retrieval?: string;
  retrievalFromBlock?: number;
}

/** An in-process chain (EIP-1193), e.g. Hardhat's `network.provider` in `npm run demo`. */
export interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

export interface ExplorerOptions {
  /** The chain's JSON-RPC URL, or an in-process EIP-1193 provider. */
  rpc: string | Eip1193;
  chainId: bigint;
  addresses: ExplorerAddresses;
  cacheDir: string;
  /** 0 (default): any free port. */
  port?: number;
  /**
   * A public block explorer's transaction page, `{hash}` standing for the hash (e.g.
   * `https://etherscan.io/tx/{hash}`): each transaction view links to it. http(s) only.
   */
  txUrl?: string;
  say?: (m: string) => void;
}

export interface RunningExplorer {
  url: string;
  server: Server;
  close: () => Promise<void>;
}

const TYPES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
};

/** Content-Security-Policy: the page may load only from here and talk only to here. */
const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

async function body(req: IncomingMessage, limit = 1 << 20): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new Error("request body too large");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, type: string, data: string | Buffer): void {
  res.writeHead(status, {
    "content-type": type,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "content-security-policy": CSP,
  });
  res.end(data);
}

/** Checks a `--tx-url` template: an http(s) URL with `{hash}` in it (else a readable error). */
export function checkTxUrlTemplate(template: string): string {
  if (!template.includes("{hash}"))
    throw new Error(`the transaction URL template must contain {hash}, got "${template}"`);
  let url: URL;
  try {
    url = new URL(template.replaceAll("{hash}", "0x00"));
  } catch {
    throw new Error(`the transaction URL template is not a URL: "${template}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new Error(`the transaction URL template must be an http(s) URL, got "${url.protocol}"`);
  return template;
}

export async function startExplorer(opts: ExplorerOptions): Promise<RunningExplorer> {
  const say = opts.say ?? (() => {});
  if (opts.txUrl !== undefined) checkTxUrlTemplate(opts.txUrl);
  const page = await buildPage(opts.cacheDir, say);
  const abi = (name: Parameters<typeof loadArtifact>[0]) => loadArtifact(name).abi;
  const config = JSON.stringify({
    chainId: opts.chainId.toString(),
    ...opts.addresses,
    ...(opts.txUrl ? { txUrl: opts.txUrl } : {}),
    abis: {
      InferenceMarket: abi("InferenceMarket"),
      ModelRegistry: abi("ModelRegistry"),
      ...(opts.addresses.accuracy ? { AccuracyMarket: abi("AccuracyMarket") } : {}),
      ...(opts.addresses.retrieval ? { RetrievalMarket: abi("RetrievalMarket") } : {}),
    },
  });
  let host = "";
  let port = 0;

  async function rpc(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await body(req);
    let calls: unknown;
    try {
      calls = JSON.parse(text);
    } catch {
      return send(res, 400, "application/json", JSON.stringify({ error: "not JSON" }));
    }
    const list = Array.isArray(calls) ? calls : [calls];
    for (const c of list) {
      const method = (c as { method?: unknown })?.method;
      if (typeof method !== "string" || !READ_METHODS.has(method)) {
        return send(
          res,
          403,
          "application/json",
          JSON.stringify({ error: `method ${String(method)} is not forwarded: the explorer only reads` }),
        );
      }
    }
    if (typeof opts.rpc !== "string") {
      const chain = opts.rpc;
      const answers = await Promise.all(
        list.map(async (c) => {
          const { id, method, params } = c as { id: unknown; method: string; params?: unknown[] };
          try {
            return { jsonrpc: "2.0", id, result: await chain.request({ method, params: params ?? [] }) };
          } catch (err) {
            const e = err as { code?: number; message?: string; data?: unknown };
            return {
              jsonrpc: "2.0",
              id,
              error: { code: e.code ?? -32603, message: e.message ?? "error", data: e.data },
            };
          }
        }),
      );
      return send(res, 200, "application/json", JSON.stringify(Array.isArray(calls) ? answers : answers[0]));
    }
    const upstream = await fetch(opts.rpc, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: text,
    });
    send(res, upstream.status, "application/json", Buffer.from(await upstream.arrayBuffer()));
  }

  async function artifact(kind: "setup" | "vkey", hash: string, res: ServerResponse): Promise<void> {
    if (!/^[0-9a-f]{64}$/.test(hash)) return send(res, 400, "text/plain", "expected a sha256 in hex");
    // Read the cache at each request: a setup made after start is served too.
    for (const s of await findCachedSetups(opts.cacheDir)) {
      if (kind === "setup" && s.manifest.zkeySha256 === hash)
        return send(res, 200, "application/json", JSON.stringify(s.manifest));
      if (kind === "vkey" && s.manifest.verificationKeySha256 === hash && existsSync(s.verificationKey))
        // Served as stored, not re-hashed here: the page checks the hash itself.
        return send(res, 200, "application/json", await readFile(s.verificationKey));
    }
    send(res, 404, "text/plain", `no ${kind === "setup" ? "setup" : "verification key"} ${hash} in the artifact cache`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers.host !== host && req.headers.host !== `localhost:${port}`)
      return send(res, 421, "text/plain", "wrong host");
    const url = new URL(req.url ?? "/", `http://${host}`);
    const p = url.pathname;
    if (p === "/rpc" && req.method === "POST") return rpc(req, res);
    if (req.method !== "GET") return send(res, 405, "text/plain", "method not allowed");
    if (p === "/" || p === "/index.html")
      return send(res, 200, TYPES["index.html"]!, await readFile(page.files["index.html"]!));
    if (p === "/app.js" || p === "/app.css") {
      const name = p.slice(1);
      return send(res, 200, TYPES[name]!, await readFile(page.files[name]!));
    }
    if (p === "/snarkjs.js") return send(res, 200, TYPES["app.js"]!, await readFile(SNARKJS_BROWSER));
    if (p === "/api/config") return send(res, 200, "application/json", config);
    const m = /^\/artifacts\/(setup|vkey)\/([^/]+)$/.exec(p);
    if (m) return artifact(m[1] as "setup" | "vkey", m[2]!, res);
    send(res, 404, "text/plain", "not found");
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) send(res, 502, "text/plain", err.message.split("\n")[0] ?? "error");
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  host = `127.0.0.1:${port}`;
  return {
    url: `http://${host}/`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
