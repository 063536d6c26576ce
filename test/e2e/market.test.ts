import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { hexlify, parseEther, type Wallet } from "ethers";

import { deployMarketStack, type MarketStack } from "../../src/chain/index.js";
import {
  Consumer,
  ModelProvider,
  ProviderAgent,
  audit,
  bindingOf,
  connectMarket,
  loadDemoLinearModel,
  loadVerificationKey,
  type MarketContext,
  type ModelRecord,
  type ProvingModel,
} from "../../src/market/index.js";
import { ROOT, TEST_CACHE } from "../helpers/cache.js";
import { spawnZkinfer } from "./cliProcess.js";
import { DEV_KEYS, NODE_ENV_PATH, increaseTime, startHardhatNode, type RunningNode } from "./hardhatNode.js";

const TERMS = { price: parseEther("0.01"), slashAmount: parseEther("0.05"), responseWindow: 600n, capacity: 16 };

/** Every role against a real `hardhat node` JSON-RPC server started here. */
describe("# market roles over JSON-RPC (hardhat node)", function () {
  this.timeout(180_000);
  let node: RunningNode;
  let scratch: string;
  let stack: MarketStack;
  let model: ProvingModel;
  let vkey: object;
  let record: ModelRecord;
  const ctx: Record<string, MarketContext> = {};

  const connect = (w: Wallet, stateRoot: string) =>
    connectMarket({
      signer: w,
      addresses: { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock },
      cacheDir: TEST_CACHE,
      stateRoot,
    });

  before(async () => {
    node = await startHardhatNode();
    scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-e2e-"));
    model = await loadDemoLinearModel({ cacheDir: TEST_CACHE });
    vkey = await loadVerificationKey(model.setup);
    const [owner, provider, consumer, other, lazy] = node.wallets as [Wallet, Wallet, Wallet, Wallet, Wallet];
    stack = await deployMarketStack(owner, { deploymentsDir: path.join(scratch, "deployments") });
    const state = path.join(scratch, "state");
    ctx.owner = await connect(owner, state);
    ctx.provider = await connect(provider, state);
    ctx.consumer = await connect(consumer, state);
    ctx.other = await connect(other, state);
    ctx.lazy = await connect(lazy, state);
    const p = new ModelProvider(ctx.provider);
    const v = await p.deployVerifier(model, { deploymentsDir: path.join(scratch, "deployments") });
    await new ModelProvider(ctx.owner).approveCircuit(model, v.address);
    record = await p.registerModel(model, TERMS);
    await p.stake(parseEther("2"));
  });

  after(async () => {
    await node?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("should compute the binding exactly as the market does", async () => {
    const ids = [3n, 9n];
    expect(bindingOf(31337n, stack.market, ids)).to.equal(await ctx.owner!.market.bindingOf(ids));
  });

  it("should serve a bounty: post → agent proves and is paid → the consumer re-verifies the proof", async () => {
    const agent = new ProviderAgent(ctx.provider!, [{ model, record }], { pollMs: 100 });
    await agent.start();
    try {
      const c = new Consumer(ctx.consumer!);
      const before = await ctx.provider!.market.withdrawable(await ctx.provider!.signer!.getAddress());
      const t0 = Date.now();
      const posted = await c.post({ model, modelId: record.modelId, input: [10, 20, 30, 40] });
      const r = await c.waitForResult(posted.requestId, { timeoutMs: 60_000, pollMs: 100 });
      const latency = Date.now() - t0;
      expect(r.status).to.equal("Fulfilled");
      expect(model.describeOutput(r.output!)).to.equal("180");
      const check = await c.verifyResult(posted.requestId, vkey);
      expect(check.ok, check.problem).to.equal(true);
      expect(check.settlement.proof).to.have.length(8);
      const after = await ctx.provider!.market.withdrawable(await ctx.provider!.signer!.getAddress());
      expect(after - before).to.equal(TERMS.price - (TERMS.price * 100n) / 10_000n);
      expect(latency).to.be.lessThan(15_000);
    } finally {
      await agent.stop();
    }
  });

  it("should decline (not prove) a request whose input does not match its commitment", async () => {
    const agent = new ProviderAgent(ctx.provider!, [{ model, record }], { pollMs: 100 });
    await agent.start();
    try {
      const now = BigInt((await node.provider.getBlock("latest"))!.timestamp);
      const tx = await ctx.other!.market.postBounty(
        record.modelId,
        12345n,
        hexlify(new Uint8Array([1, 2, 3, 4])),
        now + 700n,
        TERMS.price,
        {
          value: TERMS.price,
        },
      );
      await tx.wait();
      const id = (await ctx.other!.market.nextRequestId()) - 1n;
      const r = await new Consumer(ctx.other!).waitForResult(id, { timeoutMs: 30_000, pollMs: 100 });
      expect(r.status).to.equal("Declined");
      // Rejected as a bad input (case 50): the provider kept the reject share, the rest refunded.
      const [log] = await ctx.other!.market.queryFilter(ctx.other!.market.filters.InputRejected(id));
      const kept = (TERMS.price * r.request.rejectBps) / 10_000n;
      expect(r.request.rejectBps).to.equal(1000n);
      expect([log?.args.refunded, log?.args.kept]).to.deep.equal([TERMS.price - kept, kept]);
    } finally {
      await agent.stop();
    }
  });

  it("should slash a provider that misses its deadline, refund the consumer, and let both withdraw", async () => {
    const lazy = new ModelProvider(ctx.lazy!);
    const lazyRecord = await lazy.registerModel(model, { ...TERMS, price: parseEther("0.002") });
    await lazy.stake(parseEther("0.1"));
    const c = new Consumer(ctx.consumer!);
    const posted = await c.post({ model, modelId: lazyRecord.modelId, input: [1, 2, 3, 4] });
    await expectReject(c.reclaim(posted.requestId), /after its deadline/);
    await increaseTime(node.provider, 700);
    const rec = await c.reclaim(posted.requestId);
    expect(rec.refunded).to.equal(parseEther("0.002"));
    expect(rec.slashed).to.equal(TERMS.slashAmount);
    const w = await c.withdraw();
    expect(w.amount).to.be.greaterThanOrEqual(parseEther("0.052"));
    await expectReject(c.reclaim(posted.requestId), /Reclaimed/);
  });

  it("should resume after SIGKILL mid-proof and submit each request exactly once (case 40)", async () => {
    const c = new Consumer(ctx.consumer!);
    const ids: bigint[] = [];
    for (const x of [
      [5, 6, 7, 8],
      [9, 10, 11, 12],
      [13, 14, 15, 16],
    ]) {
      ids.push((await c.post({ model, modelId: record.modelId, input: x })).requestId);
    }
    const providerAddress = await ctx.provider!.signer!.getAddress();
    const nonceBefore = await node.provider.getTransactionCount(providerAddress);
    const state = path.join(scratch, "state");
    const serve = (extra: string[] = []) =>
      spawn(
        process.execPath,
        [
          path.join(ROOT, "bin", "zkinfer.js"),
          "--cache",
          TEST_CACHE,
          "provider",
          "serve",
          "--rpc",
          node.url,
          "--market",
          stack.market,
          "--registry",
          stack.registry,
          "--state",
          state,
          "--poll-ms",
          "100",
          ...extra,
        ],
        {
          cwd: ROOT,
          env: { ...process.env, PATH: NODE_ENV_PATH, ZKINFER_PRIVATE_KEY: DEV_KEYS[1] },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
    // First run: killed (SIGKILL) as soon as it starts proving.
    const first = serve();
    await waitForLine(first, /proving request \d+ \(model demo-linear\)…$/m, 60_000);
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));
    // Second run: resumes from chain state and exits once everything open is handled.
    const second = serve(["--once"]);
    const out = await waitForExit(second, 120_000);
    expect(out.code, out.text).to.equal(0);
    const settlingTxs = new Set<string>();
    for (const id of ids) {
      expect((await c.status(id)).status, `request ${id}`).to.equal("Fulfilled");
      const logs = await ctx.owner!.market.queryFilter(ctx.owner!.market.filters.RequestFulfilled(id));
      expect(logs, `request ${id}`).to.have.length(1);
      settlingTxs.add(logs[0]!.transactionHash);
    }
    // Every transaction the provider sent settled requests (single proofs proven close together
    // may share one fulfillMany): no duplicate (reverted) submissions.
    expect(await node.provider.getTransactionCount(providerAddress)).to.equal(nonceBefore + settlingTxs.size);
  });

  it("should finish the current proof on SIGTERM and exit cleanly", async () => {
    const c = new Consumer(ctx.consumer!);
    const { requestId } = await c.post({ model, modelId: record.modelId, input: [0, 0, 0, 1] });
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, "bin", "zkinfer.js"),
        "--cache",
        TEST_CACHE,
        "provider",
        "serve",
        "--rpc",
        node.url,
        "--market",
        stack.market,
        "--registry",
        stack.registry,
        "--state",
        path.join(scratch, "state"),
        "--poll-ms",
        "100",
      ],
      {
        cwd: ROOT,
        env: { ...process.env, PATH: NODE_ENV_PATH, ZKINFER_PRIVATE_KEY: DEV_KEYS[1] },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    await waitForLine(child, /proving request \d+ \(model demo-linear\)…$/m, 60_000);
    child.kill("SIGTERM");
    const out = await waitForExit(child, 60_000);
    expect(out.code, out.text).to.equal(0);
    expect(out.text).to.match(/agent: stopped cleanly — 1 fulfilled/);
    expect((await c.status(requestId)).status).to.equal("Fulfilled");
  });

  it("should leave a proof that outlasts the SIGTERM hand-back timeout for the next start, and exit 0", async () => {
    const c = new Consumer(ctx.consumer!);
    const { requestId } = await c.post({ model, modelId: record.modelId, input: [0, 0, 1, 0] });
    const providerAddress = await ctx.provider!.signer!.getAddress();
    const nonceBefore = await node.provider.getTransactionCount(providerAddress);
    const args = [
      "provider",
      "serve",
      "--rpc",
      node.url,
      "--market",
      stack.market,
      "--registry",
      stack.registry,
      "--state",
      path.join(scratch, "state"),
      "--poll-ms",
      "100",
    ];
    const env = { ZKINFER_PRIVATE_KEY: DEV_KEYS[1] };
    // A hand-back timeout of 0 s: the proof in flight (its prover is still starting) cannot finish.
    const first = spawnZkinfer([...args, "--hand-back-timeout", "0"], env);
    await first.waitFor(new RegExp(`proving request ${requestId} \\(model demo-linear\\)…$`, "m"), 60_000);
    first.child.kill("SIGTERM");
    expect(await first.exit(60_000), first.text()).to.equal(0);
    expect(first.stderr()).to.match(/agent: SIGTERM — taking no new requests; the proof in flight gets up to 0 s/);
    expect(first.stderr()).to.include(`request(s) ${requestId} left open on chain for the next start`);
    expect((await c.status(requestId)).status).to.equal("Open");
    expect(await node.provider.getTransactionCount(providerAddress)).to.equal(nonceBefore);
    // The next start resumes it: fulfilled exactly once.
    const second = spawnZkinfer([...args, "--once"], env);
    expect(await second.exit(120_000), second.text()).to.equal(0);
    expect((await c.status(requestId)).status).to.equal("Fulfilled");
    const logs = await ctx.owner!.market.queryFilter(ctx.owner!.market.filters.RequestFulfilled(requestId));
    expect(logs).to.have.length(1);
    expect(await node.provider.getTransactionCount(providerAddress)).to.equal(nonceBefore + 1);
  });

  it("should audit: every settled proof re-verified from calldata, verifier code checked, money balanced", async () => {
    const report = await audit(ctx.other!, { setups: [model.setup] });
    expect(report.ok, report.problems.join("; ")).to.equal(true);
    expect(report.totals.fulfilled).to.be.greaterThanOrEqual(5);
    expect(report.totals.declined).to.equal(1);
    expect(report.totals.reclaimed).to.equal(1);
    expect(report.requests.filter((r) => r.status === "Fulfilled").every((r) => r.proofVerified === true)).to.equal(
      true,
    );
    expect(report.circuits[0]!.codeOk).to.equal(true);
    expect(report.circuits[0]!.insecure).to.equal(true);
    expect(BigInt(report.totals.slashed)).to.equal(TERMS.slashAmount);
  });
});

async function expectReject(p: Promise<unknown>, re: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(err, "expected a rejection").to.not.equal(null);
  expect(err!.message).to.match(re);
}

function waitForLine(child: ChildProcess, re: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = "";
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${text.slice(-800)}`)), timeoutMs);
    const on = (d: Buffer) => {
      text += d.toString();
      if (re.test(text)) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stdout!.on("data", on);
    child.stderr!.on("data", on);
    child.once("exit", () => {
      clearTimeout(t);
      reject(new Error(`exited before ${re}: ${text.slice(-800)}`));
    });
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<{ code: number | null; text: string }> {
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout!.on("data", (d: Buffer) => (text += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (text += d.toString()));
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`timed out: ${text.slice(-800)}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(t);
      resolve({ code, text });
    });
  });
}
