/**
 * A JSON-RPC proxy for outage tests: sits between a client (the agent, the CLI) and a hardhat
 * node and can be switched, at any moment, to refuse connections, reset them, answer HTTP 503 or
 * answer JSON-RPC errors; and it can forward a transaction to the node but lose the node's answer
 * (the case where a naive retry would send the transaction twice).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

export type ProxyMode = "pass" | "refuse" | "reset" | "http503" | "rpcError";

export class RpcProxy {
  mode: ProxyMode = "pass";
  /** Forward this many eth_sendRawTransaction requests to the node, then reset the client's connection. */
  loseSendAnswers = 0;
  readonly counts = { forwarded: 0, failed: 0, lostSendAnswers: 0 };
  private readonly sockets = new Set<Socket>();
  private server: Server;

  private constructor(
    readonly target: string,
    readonly port: number,
    server: Server,
  ) {
    this.server = server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(target: string): Promise<RpcProxy> {
    const proxy = new RpcProxy(target, 0, createServer());
    await proxy.listen(0);
    return proxy;
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    (this as { port: number }).port = (server.address() as { port: number }).port;
  }

  /** Switches the failure mode; "refuse" closes the listening socket and every open connection. */
  async set(mode: ProxyMode): Promise<void> {
    if (mode === "refuse" && this.mode !== "refuse") {
      await this.closeServer();
    } else if (mode !== "refuse" && this.mode === "refuse") {
      await this.listen(this.port);
    }
    this.mode = mode;
  }

  private async closeServer(): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }

  async stop(): Promise<void> {
    if (this.server.listening) await this.closeServer();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    if (this.mode !== "pass") this.counts.failed++;
    switch (this.mode) {
      case "refuse":
      case "reset":
        req.socket.destroy();
        return;
      case "http503":
        res.writeHead(503, { "content-type": "text/plain" });
        res.end("Service Unavailable");
        return;
      case "rpcError": {
        const parsed = JSON.parse(body) as { id: unknown } | { id: unknown }[];
        const err = (p: { id: unknown }) => ({
          jsonrpc: "2.0",
          id: p.id,
          error: { code: -32603, message: "Internal error (upstream unavailable)" },
        });
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(Array.isArray(parsed) ? parsed.map(err) : err(parsed)));
        return;
      }
      case "pass":
        break;
    }
    let upstream: Response;
    try {
      upstream = await fetch(this.target, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
    } catch {
      req.socket.destroy();
      return;
    }
    const text = await upstream.text();
    this.counts.forwarded++;
    if (this.loseSendAnswers > 0 && /"eth_sendRawTransaction"/.test(body)) {
      // The node has the transaction (and, automining, has mined it); the client never hears so.
      this.loseSendAnswers--;
      this.counts.lostSendAnswers++;
      req.socket.destroy();
      return;
    }
    res.writeHead(upstream.status, { "content-type": "application/json" });
    res.end(text);
  }
}
