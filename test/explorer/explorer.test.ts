import { expect } from "chai";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { hexlify, parseEther, type Wallet } from "ethers";
import { chromium, type Browser, type Page } from "playwright-core";

import { deployMarketStack, deployVerifier, type MarketStack } from "../../src/chain/index.js";
import { startExplorer, type RunningExplorer } from "../../src/explorer/index.js";
import {
  Consumer,
  ModelProvider,
  ProviderAgent,
  connectMarket,
  loadBatchCircuit,
  loadDemoLinearModel,
  type BatchCircuit,
  type MarketContext,
  type ModelRecord,
  type ProvingModel,
} from "../../src/market/index.js";
import { ROOT, TEST_CACHE } from "../helpers/cache.js";
import { spawnZkinfer, type CliProcess } from "../e2e/cliProcess.js";
import { increaseTime, startHardhatNode, type RunningNode } from "../e2e/hardhatNode.js";

const CHROMIUM = process.env.ZKINFER_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = path.join(ROOT, "test-artifacts", "explorer");
const TERMS = { price: parseEther("0.01"), slashAmount: parseEther("0.05"), responseWindow: 600n, capacity: 16 };

/**
 * Issue 19: the explorer in a real browser (Debian's chromium, headless, driven by playwright-core)
 * against a hardhat node where requests were settled with real proofs, one declined (bad input),
 * one slashed (reclaimed after its deadline) and one left open. What a person checks: the rows,
 * the statuses, "verified in the browser" on honest proofs, and a tampered verification key shown
 * as failing, in red, with why.
 */
describe("# zkinfer explorer (browser)", function () {
  this.timeout(240_000);
  let node: RunningNode;
  let scratch: string;
  let stack: MarketStack;
  let model: ProvingModel;
  let batch: BatchCircuit;
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

  before(async function () {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `no chromium at ${CHROMIUM}: the explorer test drives Debian's chromium; install it (apt-get install -y chromium) or set ZKINFER_CHROMIUM`,
      );
    const started = Date.now();
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
    // The provider is away: this one passes its deadline and is reclaimed with the slash.
    ids.slashed = (await c.post({ model, modelId: record.modelId, input: [5, 6, 7, 8] })).requestId;
    await increaseTime(node.provider, 700);
    await c.reclaim(ids.slashed);
    ids.open = (await c.post({ model, modelId: record.modelId, input: [9, 9, 9, 9] })).requestId;

    cli = spawnZkinfer(["explorer", "--rpc", node.url, "--deployments", deploymentsDir, "--port", "0"], {
      ZKINFER_CACHE: TEST_CACHE,
    });
    await cli.waitFor(/explorer: http:\/\/127\.0\.0\.1:\d+\//, 60_000);
    url = /explorer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(cli.text())![1]!;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await mkdir(ARTIFACTS, { recursive: true });
    console.log(
      `      [chain with 8 requests and the explorer ready in ${((Date.now() - started) / 1000).toFixed(1)} s]`,
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
    expect(await page.getByTestId("total-requests").textContent()).to.equal("8");
    const text = await page.locator("main").innerText();
    expect(text).to.include(stack.market);
    expect(text).to.include("5 fulfilled, 1 declined, 1 reclaimed, 1 open");
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
    expect(await rows.count()).to.equal(8);
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
    // The batch proof's four requests and the single proof's one, each verified in the page.
    for (const id of [...batched, ids.second!]) {
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
    expect(text).to.match(/Earnings\n0\.0495 ETH over 5 requests/);
    expect(text).to.match(/Locked for open requests\n0\.05 ETH/);
    await shot("provider");
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
    for (const setup of [model.setup, batch.setup]) {
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
