import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseEther, type Wallet } from "ethers";

import { deployMarketStack, type MarketStack } from "../../src/chain/index.js";
import {
  Consumer,
  ModelProvider,
  connectMarket,
  getRequestInfo,
  loadDemoLinearModel,
  type MarketContext,
  type ModelRecord,
  type ProvingModel,
} from "../../src/market/index.js";
import { TEST_CACHE } from "../helpers/cache.js";
import { spawnZkinfer, type CliProcess } from "./cliProcess.js";
import { DEV_KEYS, startHardhatNode, type RunningNode } from "./hardhatNode.js";
import { RpcProxy, type ProxyMode } from "./rpcProxy.js";

const TERMS = { price: parseEther("0.01"), slashAmount: parseEther("0.05"), responseWindow: 600n, capacity: 16 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * ADVERSARIAL case 41: the JSON-RPC endpoint between the agent/CLI and the node refuses
 * connections, resets them, answers HTTP 503 or JSON-RPC errors, or loses the answer to a
 * transaction it did forward. The agent (`zkinfer provider serve`) and the CLI (`zkinfer client
 * request --wait`) run as real processes behind a proxy that the test switches; the chain is
 * checked directly: every request fulfilled exactly once, no duplicate or reverted submission,
 * the provider paid exactly the escrows minus the fee.
 */
describe("# RPC outage between the agent/CLI and the node (case 41)", function () {
  this.timeout(240_000);
  let node: RunningNode;
  let proxy: RpcProxy;
  let scratch: string;
  let stack: MarketStack;
  let model: ProvingModel;
  let record: ModelRecord;
  let consumer: MarketContext;
  let serve: CliProcess | undefined;
  let chainArgs: string[];

  before(async () => {
    node = await startHardhatNode();
    proxy = await RpcProxy.start(node.url);
    scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-outage-"));
    model = await loadDemoLinearModel({ cacheDir: TEST_CACHE });
    const [owner, provider, buyer] = node.wallets as [Wallet, Wallet, Wallet];
    stack = await deployMarketStack(owner, { deploymentsDir: path.join(scratch, "deployments") });
    const state = path.join(scratch, "state");
    const connect = (w: Wallet) =>
      connectMarket({
        signer: w,
        addresses: { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock },
        cacheDir: TEST_CACHE,
        stateRoot: state,
      });
    const p = new ModelProvider(await connect(provider));
    const v = await p.deployVerifier(model, { deploymentsDir: path.join(scratch, "deployments") });
    await new ModelProvider(await connect(owner)).approveCircuit(model, v.address);
    record = await p.registerModel(model, TERMS);
    await p.stake(parseEther("2"));
    consumer = await connect(buyer);
    chainArgs = ["--market", stack.market, "--registry", stack.registry, "--state", state];
  });

  afterEach(() => {
    // A test that failed half-way leaves its agent running; the next one starts its own.
    serve?.child.kill("SIGKILL");
    serve = undefined;
  });

  after(async () => {
    await proxy?.stop();
    await node?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("should retry with backoff, report each retry in one line, and submit each request exactly once", async () => {
    const providerAddress = node.wallets[1]!.address;
    const nonceBefore = await node.provider.getTransactionCount(providerAddress);
    const balanceBefore = await consumer.market.withdrawable(providerAddress);
    const firstBlock = await node.provider.getBlockNumber();

    serve = spawnZkinfer(["provider", "serve", "--rpc", proxy.url, "--poll-ms", "100", ...chainArgs], {
      ZKINFER_PRIVATE_KEY: DEV_KEYS[1],
    });
    await serve.waitFor(/agent: serving demo-linear/, 60_000);

    const c = new Consumer(consumer);
    const ids: bigint[] = [];
    // Each outage starts while the agent proves, so it hits the status re-read, the gas
    // estimate, the broadcast and the receipt polling of the submission.
    const outages: [ProxyMode, RegExp][] = [
      ["refuse", /failed \(connection refused\); retry \d+\/\d+ in \d+\.\d s/],
      ["http503", /failed \(HTTP 503\); retry \d+\/\d+ in \d+\.\d s/],
      ["rpcError", /failed \(JSON-RPC error -32603: Internal error \(upstream unavailable\)\); retry \d+\/\d+ in/],
      ["reset", /failed \(connection reset\); retry \d+\/\d+ in \d+\.\d s/],
    ];
    for (const [i, [mode, line]] of outages.entries()) {
      const { requestId } = await c.post({ model, modelId: record.modelId, input: [i + 1, 2, 3, 4] });
      ids.push(requestId);
      await serve.waitFor(new RegExp(`proving request ${requestId} \\(model demo-linear\\)…`), 30_000);
      await proxy.set(mode);
      await sleep(2_500);
      await proxy.set("pass");
      const r = await c.waitForResult(requestId, { timeoutMs: 60_000, pollMs: 100 });
      expect(r.status, `request ${requestId} after "${mode}"`).to.equal("Fulfilled");
      expect(serve.stderr(), mode).to.match(line);
    }

    // The node gets the fulfillment but its answer is lost: the resend must not be a second tx.
    proxy.loseSendAnswers = 1;
    const { requestId } = await c.post({ model, modelId: record.modelId, input: [9, 9, 9, 9] });
    ids.push(requestId);
    const r = await c.waitForResult(requestId, { timeoutMs: 60_000, pollMs: 100 });
    expect(r.status).to.equal("Fulfilled");
    expect(proxy.counts.lostSendAnswers).to.equal(1);
    // The node mined the fulfillment before the agent heard of the reset, so the consumer can see
    // it before the agent's retry line reaches this process: wait for the line, do not race it.
    await serve.waitFor(/eth_sendRawTransaction on \S+ failed \(connection reset\); retry 1\/\d+/, 30_000);

    serve.child.kill("SIGTERM");
    expect(await serve.exit(60_000), serve.text()).to.equal(0);
    expect(serve.stderr()).to.match(/agent: stopped cleanly — 5 fulfilled/);

    // On chain: each request fulfilled exactly once…
    for (const id of ids) {
      const logs = await consumer.market.queryFilter(consumer.market.filters.RequestFulfilled(id));
      expect(logs, `request ${id}`).to.have.length(1);
    }
    // …by exactly one transaction each, none reverted (no duplicate submission at all)…
    expect(await node.provider.getTransactionCount(providerAddress)).to.equal(nonceBefore + ids.length);
    const latest = await node.provider.getBlockNumber();
    for (let b = firstBlock + 1; b <= latest; b++) {
      const block = await node.provider.getBlock(b, true);
      for (const tx of block!.prefetchedTransactions) {
        const receipt = await node.provider.getTransactionReceipt(tx.hash);
        expect(receipt!.status, `tx ${tx.hash} from ${tx.from}`).to.equal(1);
      }
    }
    // …and the provider paid every escrow minus the protocol fee, once.
    const feeBps = BigInt((await consumer.market.params()).protocolFeeBps);
    let expected = 0n;
    for (const id of ids) {
      const escrow = (await getRequestInfo(consumer, id)).escrow;
      expected += escrow - (escrow * feeBps) / 10_000n;
    }
    expect((await consumer.market.withdrawable(providerAddress)) - balanceBefore).to.equal(expected);
  });

  it("should post a bounty from the CLI exactly once when the answer is lost, and wait through an outage", async () => {
    const buyer = node.wallets[2]!.address;
    const nonceBefore = await node.provider.getTransactionCount(buyer);
    const nextIdBefore = await consumer.market.nextRequestId();
    serve = spawnZkinfer(["provider", "serve", "--rpc", proxy.url, "--poll-ms", "100", ...chainArgs], {
      ZKINFER_PRIVATE_KEY: DEV_KEYS[1],
    });
    await serve.waitFor(/agent: serving demo-linear/, 60_000);

    proxy.loseSendAnswers = 1; // the consumer's postBounty reaches the node; its answer does not
    const client = spawnZkinfer(
      [
        "client",
        "request",
        "demo-linear",
        "--model-id",
        record.modelId,
        "--input",
        "4,3,2,1",
        "--wait",
        "--timeout",
        "90",
        "--rpc",
        proxy.url,
        ...chainArgs,
      ],
      { ZKINFER_PRIVATE_KEY: DEV_KEYS[2] },
    );
    await client.waitFor(/request \d+ posted/, 60_000);
    await proxy.set("http503");
    await sleep(2_000);
    await proxy.set("pass");
    expect(await client.exit(120_000), client.text()).to.equal(0);
    const out = JSON.parse(client.stdout()) as { requestId: string; status: string; proofVerifiedLocally: boolean };
    expect(out).to.include({ status: "Fulfilled", proofVerifiedLocally: true });
    expect(client.stderr()).to.match(/RPC: eth_sendRawTransaction on \S+ failed \(connection reset\); retry 1\/\d+ in/);
    expect(client.stderr()).to.match(/failed \(HTTP 503\); retry \d+\/\d+ in/);
    // One bounty, one transaction, one escrow.
    expect(await node.provider.getTransactionCount(buyer)).to.equal(nonceBefore + 1);
    expect(await consumer.market.nextRequestId()).to.equal(nextIdBefore + 1n);
    expect(BigInt(out.requestId)).to.equal(nextIdBefore);

    serve.child.kill("SIGTERM");
    expect(await serve.exit(60_000), serve.text()).to.equal(0);
  });
});
