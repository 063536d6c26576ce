import { expect } from "chai";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Wallet, hexlify, parseEther } from "ethers";
import { chromium, type Browser, type Page } from "playwright-core";

import { deployMarketStack, deployVerifier, type MarketStack } from "../../src/chain/index.js";
import { settlementBinding } from "../../src/circuit/layout.js";
import { commitDataset, writeDatasetFile } from "../../src/dataset/index.js";
import { LINEAR_MODEL_FILE } from "../../src/demo/accuracy.js";
import { checkTxUrlTemplate, startExplorer, type RunningExplorer } from "../../src/explorer/index.js";
import {
  AccuracyChallenger,
  AccuracyResponder,
  AccuracyProvider,
  Consumer,
  ModelProvider,
  ProviderAgent,
  RetrievalAgent,
  RetrievalConsumer,
  RetrievalProvider,
  approveAccuracyAuditCircuit,
  approveRetrievalAuditCircuit,
  connectAccuracy,
  connectMarket,
  connectRetrieval,
  deployAccuracyMarket,
  deployRetrievalMarket,
  fetchPostedRequest,
  getClaimInfo,
  loadAuditModel,
  loadBatchCircuit,
  loadDemoLinearModel,
  loadModelByName,
  loadShardedModel,
  onboardShardedModel,
  servedSharded,
  type BatchCircuit,
  type ClaimInfo,
  type MarketContext,
  type ModelRecord,
  type ProvingModel,
  type ShardedModel,
} from "../../src/market/index.js";
import { intInference, loadMnist } from "../../src/model/index.js";
import { Prover, packProof } from "../../src/zk/index.js";
import { ROOT, TEST_CACHE } from "../helpers/cache.js";
import { spawnZkinfer, type CliProcess } from "../e2e/cliProcess.js";
import { increaseTime, startHardhatNode, type RunningNode } from "../e2e/hardhatNode.js";

const CHROMIUM = process.env.ZKINFER_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = path.join(ROOT, "test-artifacts", "explorer");
const TERMS = { price: parseEther("0.01"), slashAmount: parseEther("0.05"), responseWindow: 600n, capacity: 16 };
const TX_URL = "https://explorer.example/tx/{hash}";

/**
 * Issue 19: the explorer in a real browser (Debian's chromium, headless, driven by playwright-core)
 * against a hardhat node where requests were settled with real proofs (fulfill, fulfillBatch,
 * fulfillMany and a two-shard fulfillSharded), one declined (bad input), one slashed (reclaimed
 * after its deadline) and one left open; where two accuracy claims were challenged (one upheld with
 * a real audit proof, one refuted, one challenge's data rejected); and where a retrieval request
 * was answered, proven and spot-checked with real audit proofs. What a person checks: the rows,
 * the statuses, "verified in the browser" on honest proofs, a tampered verification key shown as
 * failing, in red, with why; a claim's challenge history and rejection count; a retrieval's
 * returned items and spot checks. Screenshots of the main pages go to test-artifacts/explorer/.
 */
describe("# zkinfer explorer (browser)", function () {
  this.timeout(600_000);
  let node: RunningNode;
  let scratch: string;
  let stack: MarketStack;
  let model: ProvingModel;
  let batch: BatchCircuit;
  let sharded: ShardedModel;
  let record: ModelRecord;
  let cli: CliProcess;
  let url: string;
  let browser: Browser;
  let page: Page;
  const lying: RunningExplorer[] = [];
  const ctx: Record<string, MarketContext> = {};
  const ids: Record<string, bigint> = {};
  /** The four requests settled by one batch proof. */
  let batched: bigint[] = [];
  /** The two settled by fulfillMany (one proof each), and the sharded model's one. */
  let many: bigint[] = [];
  let claims: { honest: ClaimInfo; boastful: ClaimInfo };
  let retrievalId: bigint;
  let returnedMatches: number[];

  before(async function () {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `no chromium at ${CHROMIUM}: the explorer test drives Debian's chromium; install it (apt-get install -y chromium) or set ZKINFER_CHROMIUM`,
      );
    const started = Date.now();
    let lap = started;
    const step = (what: string) => {
      if (process.env.ZKINFER_TEST_TIMINGS === "1")
        console.log(`      [${what}: ${((Date.now() - lap) / 1000).toFixed(1)} s]`);
      lap = Date.now();
    };
    node = await startHardhatNode();
    scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-explorer-"));
    const deploymentsDir = path.join(scratch, "deployments");
    model = await loadDemoLinearModel({ cacheDir: TEST_CACHE });
    batch = await loadBatchCircuit("demo-linear", 4, { cacheDir: TEST_CACHE });
    const [owner, provider, consumer, other] = node.wallets as [Wallet, Wallet, Wallet, Wallet];
    stack = await deployMarketStack(owner, { deploymentsDir });
    const connect = (w: Wallet) =>
      connectMarket({
        signer: w,
        addresses: { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock },
        cacheDir: TEST_CACHE,
        stateRoot: path.join(scratch, "state"),
      });
    ctx.owner = await connect(owner);
    ctx.provider = await connect(provider);
    ctx.consumer = await connect(consumer);
    ctx.other = await connect(other);
    const p = new ModelProvider(ctx.provider);
    const v = await p.deployVerifier(model, { deploymentsDir });
    await new ModelProvider(ctx.owner).approveCircuit(model, v.address);
    const bv = await deployVerifier(provider, batch.setup, { deploymentsDir });
    const batchCircuitId = await new ModelProvider(ctx.owner).approveBatchCircuit(model, batch, bv.address);
    record = await p.registerModel(model, TERMS, { batches: [{ size: 4, circuitId: batchCircuitId }] });
    await p.stake(parseEther("2"));

    // Four settled by one batch proof (fulfillBatch), one by a single proof (fulfill), one declined
    // as a bad input, then one left to expire and one left open.
    const c = new Consumer(ctx.consumer);
    const queued: bigint[] = (batched = []);
    for (const input of [
      [10, 20, 30, 40],
      [5, 6, 7, 8],
      [0, 0, 0, 9],
      [9, 0, 0, 0],
    ])
      queued.push((await c.post({ model, modelId: record.modelId, input })).requestId);
    ids.first = queued[0]!;
    const agent = new ProviderAgent(ctx.provider, [{ model, record, batches: [batch] }], { pollMs: 100 });
    await agent.start();
    try {
      await agent.idle(120_000);
      expect(agent.stats).to.include({ batches: 1 });
      ids.second = (await c.post({ model, modelId: record.modelId, input: [1, 2, 3, 4] })).requestId;
      expect((await c.waitForResult(ids.second, { timeoutMs: 60_000, pollMs: 100 })).status).to.equal("Fulfilled");
      const now = BigInt((await node.provider.getBlock("latest"))!.timestamp);
      await (
        await ctx.other.market.postBounty(
          record.modelId,
          12345n,
          hexlify(new Uint8Array([1, 2, 3, 4])),
          now + 700n,
          TERMS.price,
          {
            value: TERMS.price,
          },
        )
      ).wait();
      ids.declined = (await ctx.other.market.nextRequestId()) - 1n;
      expect(
        (await new Consumer(ctx.other).waitForResult(ids.declined, { timeoutMs: 30_000, pollMs: 100 })).status,
      ).to.equal("Declined");
    } finally {
      await agent.stop();
    }
    step("single, batch, declined");
    // Two more answered with fulfillMany: one proof of the batch-size-1 circuit each.
    many = [];
    const manyInputs = [
      [3, 1, 4, 1],
      [2, 7, 1, 8],
    ];
    for (const input of manyInputs) many.push((await c.post({ model, modelId: record.modelId, input })).requestId);
    const prover = new Prover();
    const proofs: bigint[][] = [];
    const outputs: bigint[] = [];
    try {
      for (const [i, id] of many.entries()) {
        const built = model.buildInput(
          new Uint8Array(manyInputs[i]!),
          BigInt(record.salt),
          settlementBinding(31337n, stack.market, [id]),
        );
        const r = await prover.prove({ wasm: model.compiled.wasm, zkey: model.setup.zkey, input: built.input });
        proofs.push([...packProof(r.proof)]);
        outputs.push(built.output);
      }
    } finally {
      await prover.close();
    }
    const manyRequests = await Promise.all(
      many.map(async (id) => (await fetchPostedRequest(ctx.provider!, id)).request),
    );
    await (await ctx.provider.market.fulfillMany(manyRequests, outputs, proofs as never)).wait();

    step("fulfillMany");
    // A sharded model (the bundled MNIST CNN in two shard circuits), served by its own provider.
    const fund = async (w: Wallet) => (await owner.sendTransaction({ to: w.address, value: parseEther("20") })).wait();
    const extra = Array.from({ length: 4 }, () => new Wallet(Wallet.createRandom().privateKey, node.provider));
    for (const w of extra) await fund(w);
    const [sharder, honest, boastful, auditor] = extra as [Wallet, Wallet, Wallet, Wallet];
    ctx.sharder = await connect(sharder);
    sharded = await loadShardedModel("mnist-cnn", { cacheDir: TEST_CACHE, budget: 40_000 });
    const shardedRecord = await onboardShardedModel(new ModelProvider(ctx.sharder), sharded, TERMS, {
      deploymentsDir,
      approver: new ModelProvider(ctx.owner),
    });
    await new ModelProvider(ctx.sharder).stake(parseEther("1"));
    const shardAgent = new ProviderAgent(ctx.sharder, [servedSharded(shardedRecord, sharded)], { pollMs: 100 });
    await shardAgent.start();
    try {
      ids.sharded = (
        await c.post({ model: sharded, modelId: shardedRecord.modelId, input: loadMnist().test[0]!.pixels })
      ).requestId;
      expect((await c.waitForResult(ids.sharded, { timeoutMs: 240_000, pollMs: 200 })).status).to.equal("Fulfilled");
    } finally {
      await shardAgent.stop();
    }

    step("sharded");
    // Accuracy claims on a small hidden test set (20 MNIST digits, the model gets 17 right): the
    // honest provider claims 85% and is upheld with a real audit proof, the boastful one claims
    // 99.9% and concedes (refuted), and a challenge with another data set is rejected.
    const stateRoot = path.join(scratch, "state");
    const addresses = { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock };
    const accuracyOf = async (w: Wallet) =>
      connectAccuracy(await connectMarket({ signer: w, addresses, cacheDir: TEST_CACHE, stateRoot }), {
        deploymentsDir,
      });
    await deployAccuracyMarket(await connect(owner), { deploymentsDir });
    const linearModel = await loadModelByName(LINEAR_MODEL_FILE, { cacheDir: TEST_CACHE });
    const auditModel = await loadAuditModel({
      modelFile: LINEAR_MODEL_FILE,
      batch: 8,
      depth: 10,
      cacheDir: TEST_CACHE,
    });
    const linearVerifier = await new ModelProvider(await connect(honest)).deployVerifier(linearModel, {
      deploymentsDir,
    });
    await new ModelProvider(ctx.owner).approveCircuit(linearModel, linearVerifier.address);
    const linearTerms = { price: 10n ** 15n, slashAmount: 0n, responseWindow: 600n, capacity: 4 };
    const linear = await new ModelProvider(await accuracyOf(honest)).registerModel(linearModel, linearTerms);
    const boastfulModel = await new ModelProvider(await accuracyOf(boastful)).registerModel(linearModel, linearTerms);
    const auditCircuitForClaims = await approveAccuracyAuditCircuit(await accuracyOf(owner), auditModel, {
      modelId: linear.modelId,
      deploymentsDir,
    });
    const test = loadMnist().test;
    const pick = [700, 1, 705, 100, 101, 200, 201, 300, 301, 400, 401, 500, 501, 600, 601, 710, 800, 801, 900, 901];
    const items = pick.map((i) => ({ pixels: [...test[i]!.pixels], label: test[i]!.label }));
    const digits = path.join(scratch, "digits.json");
    await writeDatasetFile(digits, items, 10);
    const auditorCtx = await accuracyOf(auditor);
    const testSet = await new AccuracyProvider(auditorCtx).registerTestSet({ items, depth: 10, dataURI: digits });
    const common = {
      datasetId: testSet.datasetId,
      auditCircuitId: auditCircuitForClaims,
      collateral: 10n ** 18n,
      slashPerChallenge: 5n * 10n ** 17n,
      feePerSample: 10n ** 14n,
      proveWindow: 3600n,
    };
    const honestCtx = await accuracyOf(honest);
    const boastfulCtx = await accuracyOf(boastful);
    const honestClaim = await new AccuracyProvider(honestCtx).postClaim({
      ...common,
      modelId: linear.modelId,
      accuracyBps: 8500,
    });
    const boastfulClaim = await new AccuracyProvider(boastfulCtx).postClaim({
      ...common,
      modelId: boastfulModel.modelId,
      accuracyBps: 9990,
    });
    const challenger = new AccuracyChallenger(auditorCtx);
    const c1 = await challenger.challenge({
      claimId: honestClaim,
      epsilonBps: 5000,
      confidenceBps: 9500,
      dataURI: digits,
    });
    const c2 = await challenger.challenge({
      claimId: boastfulClaim,
      epsilonBps: 500,
      confidenceBps: 9500,
      dataURI: digits,
    });
    const responders = [
      new AccuracyResponder(honestCtx, { model: auditModel }),
      new AccuracyResponder(boastfulCtx, { model: auditModel }),
    ];
    try {
      for (const r of responders) await r.step(); // fetch the data, check its root, accept
      await challenger.reveal(c1.challengeId);
      await challenger.reveal(c2.challengeId);
      for (const r of responders) await r.step(); // prove, or concede
    } finally {
      for (const r of responders) await r.close();
    }
    const wrongFile = path.join(scratch, "wrong.json");
    await writeDatasetFile(wrongFile, [{ pixels: new Array(784).fill(0), label: 3 }], 10);
    await challenger.challenge({ claimId: honestClaim, epsilonBps: 5000, confidenceBps: 9500, dataURI: wrongFile });
    // A responder that has not fetched the committed set yet (one that has accepts any location).
    const fresh = new AccuracyResponder(honestCtx, { model: auditModel });
    try {
      await fresh.step();
    } finally {
      await fresh.close();
    }
    expect(fresh.events.map((e) => e.kind)).to.deep.equal(["rejected"]);
    claims = {
      honest: await getClaimInfo(auditorCtx, honestClaim),
      boastful: await getClaimInfo(auditorCtx, boastfulClaim),
    };
    expect(claims.honest.challenges.map((x) => x.status)).to.deep.equal(["Passed", "DataRejected"]);
    expect(claims.boastful.challenges.map((x) => x.status)).to.deep.equal(["Failed"]);
    step("accuracy claims");
    // Retrieval: the honest provider serves 24 MNIST digits with its mnist-linear model; a consumer
    // asks for every 7, and gets them back proven and spot-checked (real audit proofs).
    const retrieval = await deployRetrievalMarket(owner, {
      registry: stack.registry,
      deploymentsDir,
      revealWindow: 300n,
    });
    const retrievalOf = (w: Wallet) =>
      connectRetrieval({
        signer: w,
        address: retrieval.address,
        fromBlock: retrieval.block,
        cacheDir: TEST_CACHE,
        stateRoot,
      });
    const circuitId = (await ctx.owner.registry.getModel(linear.modelId)).circuitId;
    const auditVerifier = await deployVerifier(owner, auditModel.setup, { deploymentsDir });
    const auditCircuitId = await approveRetrievalAuditCircuit(await retrievalOf(owner), {
      setup: auditModel.setup,
      verifier: auditVerifier.address,
      batch: 8,
      depth: 10,
      architectureHash: (await ctx.owner.registry.getCircuit(circuitId)).architectureHash,
    });
    returnedMatches = items.flatMap((it, i) => (intInference(auditModel.qm, it.pixels).predicted === 7 ? [i] : []));
    const ds = commitDataset(items, 10);
    const honestRetrieval = await retrievalOf(honest);
    const datasetId = await new RetrievalProvider(honestRetrieval).registerDataset({
      modelId: linear.modelId,
      auditCircuitId,
      root: ds.root,
      size: ds.size,
      terms: { price: parseEther("0.02"), collateral: parseEther("0.5"), responseWindow: 600n, capacity: 4 },
      metadataURI: pathToFileURL(digits).href,
      deposit: parseEther("2"),
    });
    const retrievalProver = new Prover();
    const retrievalAgent = new RetrievalAgent(
      honestRetrieval,
      [
        {
          datasetId,
          items,
          tree: ds.tree,
          audit: auditModel.audit,
          setup: auditModel.setup,
          salt: BigInt(linear.salt),
        },
      ],
      { pollMs: 100, prover: retrievalProver },
    );
    await retrievalAgent.start();
    try {
      const buyer = new RetrievalConsumer(await retrievalOf(consumer));
      const posted = await buyer.request({ datasetId, targetClass: 7, fractionBps: 5000, confidenceBps: 9000 });
      retrievalId = posted.requestId;
      expect((await buyer.follow(retrievalId, { timeoutMs: 300_000, pollMs: 100 })).status).to.equal("Paid");
    } finally {
      await retrievalAgent.stop();
      await retrievalProver.close();
    }

    step("retrieval");
    // The provider is away: this one passes its deadline and is reclaimed with the slash.
    ids.slashed = (await c.post({ model, modelId: record.modelId, input: [5, 6, 7, 8] })).requestId;
    await increaseTime(node.provider, 700);
    await c.reclaim(ids.slashed);
    ids.open = (await c.post({ model, modelId: record.modelId, input: [9, 9, 9, 9] })).requestId;

    cli = spawnZkinfer(
      ["explorer", "--rpc", node.url, "--deployments", deploymentsDir, "--port", "0", "--tx-url", TX_URL],
      { ZKINFER_CACHE: TEST_CACHE },
    );
    await cli.waitFor(/explorer: http:\/\/127\.0\.0\.1:\d+\//, 60_000);
    url = /explorer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(cli.text())![1]!;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await mkdir(ARTIFACTS, { recursive: true });
    console.log(
      `      [chain with 11 requests, 2 claims, 1 retrieval and the explorer ready in ${((Date.now() - started) / 1000).toFixed(1)} s]`,
    );
  });

  after(async () => {
    await browser?.close();
    for (const l of lying) await l.close();
    cli?.child.kill("SIGTERM");
    await cli?.exit(10_000);
    await node?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  const verdictOf = (id: bigint) => page.locator(`[data-verdict="${id}"]`).first();

  it("should show the market: contracts, owner parameters, totals and charts", async () => {
    await page.goto(url);
    await page.getByRole("heading", { name: "Market", exact: true }).waitFor();
    expect(await page.getByTestId("total-requests").textContent()).to.equal("11");
    const text = await page.locator("main").innerText();
    expect(text).to.include(stack.market);
    expect(text).to.include("8 fulfilled, 1 declined, 1 reclaimed, 1 open");
    expect(text).to.match(/Accuracy claims\s+2 claims, 1 refuted, 3 challenges/);
    expect(text).to.match(/Retrieval requests\s+1 request, 1 paid, 0 slashed/);
    expect(text).to.include("Protocol fee");
    expect(text).to.match(/Slashed\s+0\.05 ETH/);
    // One canvas per chart (uPlot).
    for (const id of ["chart-latency", "chart-gas", "chart-open"])
      expect(await page.locator(`#${id} canvas`).count(), id).to.be.greaterThan(0);
    await shot("market");
  });

  it("should list every request with its status and verify each settled proof in the browser", async () => {
    await page.goto(`${url}#/requests`);
    const rows = page.getByTestId("requests").locator("tbody tr");
    await rows.first().waitFor();
    expect(await rows.count()).to.equal(11);
    const statusOf = async (id: bigint) =>
      (await rows.filter({ has: page.getByRole("link", { name: `#${id}`, exact: true }) }).innerText()).split("\t")[1];
    expect(await statusOf(ids.first!)).to.equal("Fulfilled");
    expect(await statusOf(ids.second!)).to.equal("Fulfilled");
    expect(await statusOf(ids.declined!)).to.equal("Declined");
    expect(await statusOf(ids.slashed!)).to.equal("Reclaimed");
    expect(await statusOf(ids.open!)).to.equal("Open");
    const rowText = (id: bigint) =>
      rows.filter({ has: page.getByRole("link", { name: `#${id}`, exact: true }) }).innerText();
    expect(await rowText(ids.first!)).to.include("0.0099 ETH paid");
    expect(await rowText(ids.declined!)).to.include("refunded 0.009 ETH, 0.001 ETH kept");
    expect(await rowText(ids.slashed!)).to.include("refunded 0.01 ETH + slash 0.05 ETH");
    // The batch proof's four requests, the single proof's one, fulfillMany's two and the sharded
    // model's one (two shard proofs), each verified in the page.
    for (const id of [...batched, ids.second!, ...many, ids.sharded!]) {
      await page.waitForFunction(
        (sel) => !document.querySelector(sel)?.classList.contains("pending"),
        `[data-verdict="${id}"]`,
        { timeout: 60_000 },
      );
      expect(await verdictOf(id).textContent()).to.equal("✔ verified in the browser");
      expect(await verdictOf(id).evaluate((e) => getComputedStyle(e).color)).to.equal("rgb(26, 127, 55)");
    }
    expect(await verdictOf(ids.first!).getAttribute("title")).to.equal("fulfillBatch, 4 requests in the proof");
    expect(await verdictOf(ids.second!).getAttribute("title")).to.equal("fulfill, 1 request in the proof");
    for (const id of many)
      expect(await verdictOf(id).getAttribute("title")).to.equal("fulfillMany, 1 request in the proof");
    expect(await verdictOf(ids.sharded!).getAttribute("title")).to.equal(
      "fulfillSharded, 2 shard proofs and their commitment chain",
    );
    // The open request counts down to its deadline.
    expect(await page.locator(".countdown").first().textContent()).to.match(/^in \d+ minutes?/);
    await shot("requests");
    // The README's picture (docs/explorer.png), refreshed on request only.
    if (process.env.ZKINFER_UPDATE_DOCS === "1") {
      await page.setViewportSize({ width: 1100, height: 400 });
      await page.screenshot({ path: path.join(ROOT, "docs", "explorer.png") });
      await page.setViewportSize({ width: 1200, height: 900 });
    }
  });

  it("should show a request's payout, gas and transactions, and a slashed one's refund", async () => {
    await page.goto(`${url}#/request/${ids.first}`);
    await page.getByRole("heading", { name: `Request #${ids.first} Fulfilled` }).waitFor();
    await page.waitForSelector(`[data-verdict="${ids.first}"].ok`, { timeout: 60_000 });
    const text = await page.locator("main").innerText();
    expect(text).to.include("Output\n180");
    expect(text).to.match(/Payout\n0\.0099 ETH \(fee 0\.0001 ETH\)/);
    expect(text).to.match(/\d[\d,]* gas/);
    await shot("request");
    await page.goto(`${url}#/request/${ids.slashed}`);
    await page.getByRole("heading", { name: `Request #${ids.slashed} Reclaimed` }).waitFor();
    expect(await page.locator("main").innerText()).to.match(/Slashed from the provider\n0\.05 ETH/);
  });

  it("should show the model's dev setup as INSECURE, and the provider's stake and earnings", async () => {
    await page.goto(`${url}#/model/${record.modelId}`);
    await page.getByRole("alert").filter({ hasText: "INSECURE" }).waitFor();
    await page.getByText("matches the verifier on chain").waitFor({ timeout: 30_000 });
    await shot("model");
    const provider = await ctx.provider!.signer!.getAddress();
    await page.goto(`${url}#/provider/${provider}`);
    const text = await page.locator("main").innerText();
    expect(text).to.match(/Stake\n1\.95 ETH/); // 2 staked, 0.05 slashed
    expect(text).to.match(/Earnings\n0\.0693 ETH over 7 requests/);
    expect(text).to.match(/Locked for open requests\n0\.05 ETH/);
    for (const id of ["chart-provider-latency", "chart-provider-earnings"])
      expect(await page.locator(`#${id} canvas`).count(), id).to.be.greaterThan(0);
    await shot("provider");
  });

  it("should list the accuracy claims with their challenge and rejection counts", async () => {
    await page.goto(`${url}#/claims`);
    const rows = page.getByTestId("claims").locator("tbody tr");
    await rows.first().waitFor();
    expect(await rows.count()).to.equal(2);
    const cells = async (claimId: string) =>
      (await rows.filter({ has: page.locator(`a[href="#/claim/${claimId}"]`) }).innerText()).split("\t");
    // Claim, Provider, Model, Claims, State, Collateral, Challenges, Upheld, Data rejected, Abandoned, Open
    const honest = await cells(claims.honest.claimId);
    expect(honest.slice(3)).to.deep.equal(["85%", "standing", "1 ETH (0 ETH locked)", "2", "1", "1", "0", "0"]);
    const boastful = await cells(claims.boastful.claimId);
    expect(boastful.slice(3, 5)).to.deep.equal(["99.90%", "REFUTED"]);
    expect(boastful.slice(6)).to.deep.equal(["1", "0", "0", "0", "0"]);
    expect(await page.locator("main").innerText()).to.include("not a reputation");
    await shot("claims");
  });

  it("should show a claim's challenges step by step, each step's transaction a link", async () => {
    await page.goto(`${url}#/claim/${claims.honest.claimId}`);
    await page.getByRole("heading", { name: /^Claim 0x[0-9a-f]{6}…[0-9a-f]{4} standing$/ }).waitFor();
    expect(await page.getByTestId("claim-counts").textContent()).to.equal(
      "2 in all: 1 upheld, 0 failed, 1 data rejected, 0 abandoned, 0 open",
    );
    const upheld = claims.honest.challenges[0]!;
    const section = page.getByTestId(`challenge-${upheld.challengeId}`);
    expect(await section.getByRole("heading").innerText()).to.equal(`Challenge #${upheld.challengeId} Upheld`);
    const steps = (await section.getByTestId("history").locator("tbody tr").allInnerTexts()).map(
      (t) => t.split("\t")[0],
    );
    expect(steps).to.have.length(5);
    expect(steps[0]).to.match(/^challenged: ε 50% at 95% confidence, 8 samples$/);
    expect(steps[1]).to.equal("data accepted by the provider");
    expect(steps[2]).to.equal("challenger revealed its secret: the sample is fixed");
    expect(steps[3]).to.match(/^chunk 0 proven: (\d) of its samples correct \(\1 correct over 1 proven chunk\)$/);
    expect(steps[4]).to.match(
      /^resolved Passed: \d of 8 correct — [\d.]+ ETH to the provider, 0 ETH to the challenger$/,
    );
    const rejected = page.getByTestId(`challenge-${upheld.challengeId + 2n}`);
    expect(await rejected.getByRole("heading").innerText()).to.equal(
      `Challenge #${upheld.challengeId + 2n} Data rejected`,
    );
    expect(await rejected.innerText()).to.include("data rejected by the provider");
    await shot("claim");
    // The proving step's transaction, in the explorer's own transaction view.
    const txLink = section.getByTestId("history").locator("tbody tr").nth(3).getByRole("link");
    const hash = (await txLink.getAttribute("title"))!;
    await txLink.click();
    expect(page.url()).to.equal(`${url}#/tx/${hash}`);
    await page.getByTestId("tx-events").waitFor();
    const tx = await page.locator("main").innerText();
    expect(tx).to.match(/Status\nsucceeded/);
    expect(tx).to.match(/Call\n\w+ on the accuracy market/);
    expect(await page.getByTestId("tx-events").innerText()).to.include("ChunkProven");
    expect(await page.getByRole("link", { name: "on the public block explorer" }).getAttribute("href")).to.equal(
      TX_URL.replace("{hash}", hash),
    );
    await shot("tx");
  });

  it("should show a retrieval request's returned items and its spot checks", async () => {
    await page.goto(`${url}#/retrievals`);
    const row = page.getByTestId("retrievals").locator("tbody tr");
    await row.first().waitFor();
    expect(await row.count()).to.equal(1);
    const cells = (await row.innerText()).split("\t");
    expect(cells.slice(0, 2)).to.deep.equal([`#${retrievalId}`, "Paid"]);
    expect(cells[4]).to.equal(String(returnedMatches.length));
    expect(cells[5]).to.equal(`${returnedMatches.length} of ${returnedMatches.length}`);
    expect(cells[6]).to.match(/^1 of 1 chunks \(\d+ samples\)$/);
    await shot("retrievals");
    await page.getByRole("link", { name: `#${retrievalId}`, exact: true }).click();
    await page.getByRole("heading", { name: `Retrieval request #${retrievalId} Paid` }).waitFor();
    expect(await page.getByTestId("returned").locator("li").allInnerTexts()).to.deep.equal(
      returnedMatches.map((i) => `#${i} proven`),
    );
    expect(await page.getByTestId("spot-count").textContent()).to.equal("1 of 1");
    const spot = (await page.getByTestId("spot-checks").locator("tbody tr").allInnerTexts()).map((t) => t.split("\t"));
    expect(spot).to.have.length(1);
    expect(spot[0]![0]).to.equal("0");
    expect(spot[0]![1]).to.match(/^(#\d+ ){7}#\d+$/);
    // The proof fixed how many of the sampled items are of the class: exactly the returned ones.
    const sampled = spot[0]![1]!.split(" ").map((x) => Number(x.slice(1)));
    expect(Number(spot[0]![2])).to.equal(sampled.filter((i) => returnedMatches.includes(i)).length);
    expect(await page.locator("main").innerText()).to.match(/Outcome\n0\.0\d+ ETH paid/);
    await shot("retrieval");
  });

  it("should be usable by keyboard and on a phone-width screen", async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await phone.goto(url);
      await phone.getByTestId("total-requests").waitFor();
      // Skip link, brand-less nav: Tab reaches "Requests" and Enter follows it.
      for (let i = 0; i < 4; i++) await phone.keyboard.press("Tab");
      expect(await phone.evaluate(() => document.activeElement?.textContent)).to.equal("Requests");
      await phone.keyboard.press("Enter");
      await phone.getByTestId("requests").waitFor();
      expect(phone.url()).to.match(/#\/requests$/);
      // Nothing wider than the screen but the table's own scroll box.
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(390);
      await phone.screenshot({ path: path.join(ARTIFACTS, "requests-phone.png") });
    } finally {
      await phone.close();
    }
  });

  /** A copy of the demo setup in a fresh cache, its key altered by `tamper`. */
  async function lyingExplorer(tamper: (vk: string, manifest: Record<string, unknown>) => string): Promise<string> {
    const cache = path.join(scratch, `lying-${lying.length}`);
    for (const setup of [model.setup, batch.setup, ...sharded.shards.map((x) => x.setup)]) {
      const dir = path.join(cache, "setups", path.basename(setup.dir));
      await cp(setup.dir, dir, { recursive: true, filter: (f) => !f.endsWith(".zkey") });
      const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as Record<string, unknown>;
      const vk = tamper(await readFile(path.join(dir, "verification_key.json"), "utf8"), manifest);
      await writeFile(path.join(dir, "verification_key.json"), vk);
      await writeFile(path.join(dir, "manifest.json"), JSON.stringify(manifest));
    }
    const srv = await startExplorer({
      rpc: node.url,
      chainId: 31337n,
      addresses: { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock },
      cacheDir: cache,
    });
    lying.push(srv);
    return srv.url;
  }

  /** Changes the last digit of the key's first IC coordinate. */
  const alterKey = (vk: string) => {
    const json = JSON.parse(vk) as { IC: string[][] };
    const x = json.IC[0]![0]!;
    json.IC[0]![0] = x.slice(0, -1) + String((Number(x.slice(-1)) + 1) % 10);
    return JSON.stringify(json, null, 1);
  };

  it("should show a proof as failing, in red, if the served key does not match its hash (case 60)", async () => {
    const bad = await lyingExplorer((vk) => alterKey(vk));
    await page.goto(`${bad}#/request/${ids.first}`);
    await page.waitForSelector(`[data-verdict="${ids.first}"].bad`, { timeout: 60_000 });
    expect(await verdictOf(ids.first!).textContent()).to.equal("✘ key hash mismatch");
    expect(await verdictOf(ids.first!).evaluate((e) => getComputedStyle(e).color)).to.equal("rgb(207, 34, 46)");
    expect(await page.locator(`[data-verdict-detail="${ids.first}"]`).textContent()).to.match(
      /the served verification key has sha256 [0-9a-f]{12}…, its setup manifest records [0-9a-f]{12}…/,
    );
    await shot("tampered-key");
  });

  it("should show a proof as failing if a lying server swaps both the key and its manifest (case 61)", async () => {
    const bad = await lyingExplorer((vk, manifest) => {
      const altered = alterKey(vk);
      manifest.verificationKeySha256 = createHash("sha256").update(altered).digest("hex");
      return altered;
    });
    await page.goto(`${bad}#/requests`);
    await page.waitForSelector(`[data-verdict="${ids.second}"].bad`, { timeout: 60_000 });
    expect(await verdictOf(ids.second!).textContent()).to.equal("✘ key does not match the verifier on chain");
    expect(await verdictOf(ids.second!).getAttribute("data-detail")).to.match(/1 of the key's \d+ constants/);
  });

  it("should show a sharded settlement as failing if a lying server swaps a shard's key (case 78)", async () => {
    // Every served key (each shard circuit's too) altered, each with a manifest to match: the page
    // checks every shard's key against that shard's own verifier on chain and names the shard.
    const bad = await lyingExplorer((vk, manifest) => {
      const altered = alterKey(vk);
      manifest.verificationKeySha256 = createHash("sha256").update(altered).digest("hex");
      return altered;
    });
    await page.goto(`${bad}#/request/${ids.sharded}`);
    await page.waitForSelector(`[data-verdict="${ids.sharded}"].bad`, { timeout: 60_000 });
    expect(await verdictOf(ids.sharded!).textContent()).to.equal("✘ key does not match the verifier on chain");
    expect(await verdictOf(ids.sharded!).getAttribute("data-detail")).to.match(
      /^shard 0: 1 of the key's \d+ constants/,
    );
  });

  it("should link transactions out only through an http(s) template with {hash} (case 79)", async () => {
    expect(checkTxUrlTemplate(TX_URL)).to.equal(TX_URL);
    expect(() => checkTxUrlTemplate("javascript:alert(1)//{hash}")).to.throw(/must be an http\(s\) URL/);
    expect(() => checkTxUrlTemplate("https://explorer.example/tx/")).to.throw(/must contain \{hash\}/);
    const refused = await startExplorer({
      rpc: node.url,
      chainId: 31337n,
      addresses: { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock },
      cacheDir: TEST_CACHE,
      txUrl: "data:text/html,{hash}",
    }).then(
      () => "started",
      (err: Error) => err.message,
    );
    expect(refused).to.match(/must be an http\(s\) URL, got "data:"/);
  });

  it("should forward only read methods to the chain, from this server's own host only (case 62)", async () => {
    const rpc = (body: object) =>
      fetch(`${url}rpc`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const read = await rpc({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
    expect(((await read.json()) as { result: string }).result).to.equal("0x7a69");
    const from = await ctx.other!.signer!.getAddress();
    const send = await rpc({
      jsonrpc: "2.0",
      id: 2,
      method: "eth_sendTransaction",
      params: [{ from, to: from, value: "0x1" }],
    });
    expect(send.status).to.equal(403);
    expect(await send.text()).to.include("the explorer only reads");
    const batch = await rpc([
      { jsonrpc: "2.0", id: 3, method: "eth_chainId", params: [] },
      { jsonrpc: "2.0", id: 4, method: "hardhat_setBalance", params: [from, "0x1"] },
    ]);
    expect(batch.status).to.equal(403);
    // A page on another origin reaching this port through a rebound DNS name: refused.
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}api/config`, { headers: { host: "attacker.example:80" } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on("error", reject);
      req.end();
    });
    expect(rebound).to.equal(421);
  });
});
