/**
 * `npm run bench -- market` (hardhat run scripts/bench-market.ts): settlement on the in-process
 * chain with real proofs — bounty → payout latency (one request at a time), the agent's proofs
 * per minute at full load (BENCH_MARKET_LOAD requests posted at once), and the gas of postBounty
 * and fulfill with the real generated verifier. Writes the `## Market` section of BENCHMARKS.md.
 * The model: BENCH_MARKET_MODEL (default mnist-mlp; demo-linear for a quick run).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { network } from "hardhat";
import type { Signer } from "ethers";

import { deployMarketStack } from "../src/chain/index.js";
import {
  Consumer,
  ModelProvider,
  ProviderAgent,
  connectMarket,
  loadModelByName,
  type MarketAddresses,
} from "../src/market/index.js";
import { loadMnist } from "../src/model/index.js";
import { progress } from "../src/util/progress.js";
import { defaultCacheDir, releaseSnarkjs } from "../src/zk/index.js";
import { machineLine, writeBenchSection } from "./benchmarks-md.js";

const say = progress(process.stdout);
const modelName = process.env.BENCH_MARKET_MODEL ?? "mnist-mlp";
const sequential = Number(process.env.BENCH_MARKET_SEQUENTIAL ?? 3);
const load = Number(process.env.BENCH_MARKET_LOAD ?? 6);
const cacheDir = path.resolve(defaultCacheDir());

const { ethers } = await network.getOrCreate();
const [owner, providerSigner, consumerSigner] = (await ethers.getSigners()) as unknown as Signer[];
const scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-bench-"));
const model = await loadModelByName(modelName, { cacheDir, onProgress: say });
const stack = await deployMarketStack(owner!, { deploymentsDir: path.join(scratch, "deployments"), onProgress: say });
const addresses: MarketAddresses = { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock };
const ctxOf = (signer: Signer) =>
  connectMarket({ signer, addresses, cacheDir, stateRoot: path.join(scratch, "state") });
const provider = new ModelProvider(await ctxOf(providerSigner!));
const verifier = await provider.deployVerifier(model, { deploymentsDir: path.join(scratch, "deployments") });
await new ModelProvider(await ctxOf(owner!)).approveCircuit(model, verifier.address);
const record = await provider.registerModel(model, {
  price: ethers.parseEther("0.001"),
  slashAmount: ethers.parseEther("0.01"),
  responseWindow: 3600n,
  capacity: 64,
});
await provider.stake(ethers.parseEther("10"));
const agent = new ProviderAgent(provider.ctx, [{ model, record }], { pollMs: 100 });
await agent.start();
const consumer = new Consumer(await ctxOf(consumerSigner!));

const inputs: number[][] =
  modelName === "mnist-mlp"
    ? loadMnist()
        .test.filter((_, i) => i % 97 === 0)
        .map((s) => [...s.pixels])
    : [
        [10, 20, 30, 40],
        [200, 7, 0, 13],
        [1, 2, 3, 4],
        [9, 9, 9, 9],
      ];
const inputAt = (i: number) => inputs[i % inputs.length]!;

say(`latency: ${sequential} bounties, one at a time`);
const latencies: number[] = [];
const postGas: bigint[] = [];
const fulfillGas: bigint[] = [];
for (let i = 0; i < sequential; i++) {
  const t0 = performance.now();
  const b = await consumer.post({ model, modelId: record.modelId, input: inputAt(i) });
  await consumer.waitForResult(b.requestId, { timeoutMs: 600_000, pollMs: 50 });
  latencies.push((performance.now() - t0) / 1000);
  postGas.push(b.gasUsed);
  say(`  request ${b.requestId}: bounty → payout ${latencies.at(-1)!.toFixed(2)} s`);
}

say(`throughput: ${load} bounties posted at once`);
const t1 = performance.now();
const batch = [];
for (let i = 0; i < load; i++)
  batch.push(await consumer.post({ model, modelId: record.modelId, input: inputAt(i + 1) }));
for (const b of batch) await consumer.waitForResult(b.requestId, { timeoutMs: 1_200_000, pollMs: 100 });
const loadSeconds = (performance.now() - t1) / 1000;
await agent.stop();

// Gas of every fulfill, from the RequestFulfilled transactions.
const market = await ethers.getContractAt("InferenceMarket", stack.market);
for (const ev of await market.queryFilter(market.filters.RequestFulfilled(), stack.fromBlock)) {
  const r = await ethers.provider.getTransactionReceipt(ev.transactionHash);
  if (r) fulfillGas.push(r.gasUsed);
}
await rm(scratch, { recursive: true, force: true });
await releaseSnarkjs();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const m = model.setup.manifest;
const body = [
  `Settlement with real proofs on the in-process Hardhat chain (\`src/market\` agent + consumer),`,
  `model \`${modelName}\` (${m.constraints} constraints, ${m.mode} setup).`,
  "",
  `- Command: \`BENCH_MARKET_MODEL=${modelName} BENCH_MARKET_SEQUENTIAL=${sequential} BENCH_MARKET_LOAD=${load} npm run bench -- market\``,
  `- Date: ${new Date().toISOString()}`,
  `- ${machineLine()}`,
  "",
  "| measure | value |",
  "|---|---|",
  `| bounty → payout latency, median of ${latencies.length} (s) | ${median(latencies).toFixed(2)} |`,
  `| bounty → payout latency, min / max (s) | ${Math.min(...latencies).toFixed(2)} / ${Math.max(...latencies).toFixed(2)} |`,
  `| agent throughput at full load (${load} requests queued), proofs per minute | ${((load / loadSeconds) * 60).toFixed(1)} |`,
  `| postBounty gas, median | ${postGas.length ? median(postGas.map(Number)) : "—"} |`,
  `| fulfill gas with the real verifier, median of ${fulfillGas.length} | ${fulfillGas.length ? median(fulfillGas.map(Number)) : "—"} |`,
].join("\n");
console.log("\n" + body);
await writeBenchSection("Market", body);
