import { expect } from "chai";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseEther, type Wallet } from "ethers";

import { deployMarketStack, type MarketStack } from "../../src/chain/index.js";
import {
  Consumer,
  ModelProvider,
  ProviderAgent,
  connectMarket,
  loadModelByName,
  loadProvingModelFromRecord,
  loadVerificationKey,
  type MarketContext,
  type ModelRecord,
  type ProvingModel,
} from "../../src/market/index.js";
import { createRng, predictFloat, predictInt, readQuantizedArtifact, type Model } from "../../src/model/index.js";
import { bundledModelFile } from "../../src/model/bundled.js";
import {
  exportOnnx,
  findImportedModel,
  formatSupports,
  importOnnx,
  importOnnxFile,
} from "../../src/model/onnx/index.js";
import { TEST_CACHE } from "../helpers/cache.js";
import { GraphBuilder, float, int, ints, mobileBlock } from "../model/onnxGraphs.js";
import { spawnZkinfer } from "./cliProcess.js";
import { startHardhatNode, type RunningNode } from "./hardhatNode.js";

const NAME = "onnx-e2e-tiny";
const TERMS = { price: parseEther("0.01"), slashAmount: parseEther("0.05"), responseWindow: 600n, capacity: 4 };

/**
 * A tiny PyTorch-shaped CNN on 8×8 images: Conv 3×3 (1 → 2) → BatchNorm → Relu → MaxPool 2 →
 * Flatten → Gemm (transB = 1, 18 → 3) → Softmax. Small, so its circuit compiles and sets up in
 * seconds and the artifact cache makes reruns cheap.
 */
function tinyTorchCnn(): Uint8Array {
  const g = new GraphBuilder(["batch_size", 1, 8, 8], 2026);
  let x = g.node(
    "Conv",
    [g.inputName, g.init("conv.weight", [2, 1, 3, 3], 0.8), g.init("conv.bias", [2], 0.1)],
    [ints("kernel_shape", [3, 3]), ints("pads", [0, 0, 0, 0]), ints("strides", [1, 1])],
  );
  x = g.node(
    "BatchNormalization",
    [
      x,
      g.positive("bn.weight", [2]),
      g.init("bn.bias", [2], 0.2),
      g.init("bn.running_mean", [2], 0.2),
      g.positive("bn.running_var", [2]),
    ],
    [float("epsilon", 1e-5)],
  );
  x = g.node("Relu", [x]);
  x = g.node("MaxPool", [x], [ints("kernel_shape", [2, 2]), ints("strides", [2, 2])]);
  x = g.node("Flatten", [x], [int("axis", 1)]);
  x = g.node("Gemm", [x, g.init("fc.weight", [3, 18], 0.8), g.init("fc.bias", [3], 0.1)], [int("transB", 1)]);
  g.node("Softmax", [x], [int("axis", 1)], "/Softmax", ["output"]);
  g.outputs = ["output"];
  return g.bytes();
}

/**
 * Issue 16, done-when: an ONNX model imported with `zkinfer model import` registers, proves and
 * settles on a local chain (a real `hardhat node`), taken by its name like a bundled model.
 */
describe("# an imported ONNX model on the market (issue 16)", function () {
  this.timeout(600_000);
  let node: RunningNode;
  let scratch: string;
  let stack: MarketStack;
  let model: ProvingModel;
  let record: ModelRecord;
  let qmodel: Awaited<ReturnType<typeof readQuantizedArtifact>>["model"];
  const ctx: Record<string, MarketContext> = {};

  before(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-onnx-e2e-"));
    const onnxFile = path.join(scratch, "tiny.onnx");
    const bytes = tinyTorchCnn();
    await writeFile(onnxFile, bytes);
    // Calibration: 40 seeded 8×8 inputs labelled with the float model's own class, so the report's
    // integer accuracy is the integer model's agreement with the float one.
    const float = importOnnx(bytes).model;
    const rng = createRng(7);
    const inputs = Array.from({ length: 40 }, () => Array.from({ length: 64 }, () => rng.int(256)));
    const calFile = path.join(scratch, "calibration.json");
    await writeFile(calFile, JSON.stringify({ inputs, labels: inputs.map((x) => predictFloat(float, x)) }));

    const cli = spawnZkinfer(["model", "import", onnxFile, "--calibration", calFile, "--name", NAME], {});
    const code = await cli.exit(120_000);
    expect(code, cli.text()).to.equal(0);
    const out = JSON.parse(cli.stdout()) as {
      model: string;
      layers: string[];
      quantizedKey: string;
      integerAccuracy: { samples: number };
    };
    expect(out.model).to.equal(NAME);
    expect(out.layers).to.deep.equal(["conv2d", "relu", "maxpool", "flatten", "dense"]);
    expect(out.integerAccuracy.samples).to.equal(40);
    expect(cli.stderr()).to.match(
      /accuracy on the 40 labelled samples of onnx-e2e-tiny\.calibration\.json .*: float 100\.0%, integer/,
    );
    expect(cli.stderr()).to.contain(`next: zkinfer model setup ${NAME}`);
    expect(findImportedModel(TEST_CACHE, NAME)?.quantizedKey).to.equal(out.quantizedKey);
    qmodel = (await readQuantizedArtifact(TEST_CACHE, out.quantizedKey)).model;

    // Taken by its name, as `zkinfer model setup onnx-e2e-tiny` / `provider register` take it.
    model = await loadModelByName(NAME, { cacheDir: TEST_CACHE });
    expect(model.name).to.equal(NAME);
    expect(model.inputLength).to.equal(64);

    node = await startHardhatNode();
    const [owner, provider, consumer] = node.wallets as [Wallet, Wallet, Wallet];
    stack = await deployMarketStack(owner, { deploymentsDir: path.join(scratch, "deployments") });
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
    const p = new ModelProvider(ctx.provider);
    const v = await p.deployVerifier(model, { deploymentsDir: path.join(scratch, "deployments") });
    await new ModelProvider(ctx.owner).approveCircuit(model, v.address);
    record = await p.registerModel(model, TERMS);
    await p.stake(parseEther("1"));
  });

  after(async () => {
    await node?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("should record the imported model so the provider loads it again from its record", async () => {
    expect(record.source?.quantizedKey).to.equal(findImportedModel(TEST_CACHE, NAME)!.quantizedKey);
    const again = await loadProvingModelFromRecord(record, { cacheDir: TEST_CACHE });
    expect(again.architectureHash).to.equal(model.architectureHash);
  });

  it("should prove a request and settle it: the consumer is answered with the integer model's class and re-verifies", async () => {
    const agent = new ProviderAgent(ctx.provider!, [{ model, record }], { pollMs: 100 });
    await agent.start();
    try {
      const c = new Consumer(ctx.consumer!);
      const input = Array.from({ length: 64 }, (_, i) => (i * 29 + 3) % 256);
      const before = await ctx.provider!.market.withdrawable(await ctx.provider!.signer!.getAddress());
      const posted = await c.post({ model, modelId: record.modelId, input });
      const r = await c.waitForResult(posted.requestId, { timeoutMs: 120_000, pollMs: 100 });
      expect(r.status).to.equal("Fulfilled");
      expect(r.output).to.equal(BigInt(predictInt(qmodel, input)));
      const check = await c.verifyResult(posted.requestId, await loadVerificationKey(model.setup));
      expect(check.ok, check.problem).to.equal(true);
      const after = await ctx.provider!.market.withdrawable(await ctx.provider!.signer!.getAddress());
      expect(after - before).to.equal(TERMS.price - (TERMS.price * 100n) / 10_000n);
    } finally {
      await agent.stop();
    }
  });

  it("should serve an imported MobileNet v2 block too (depthwise, ReLU6, residual, global average pool)", async function () {
    // Runs once the model format has these layers (the "layers" branch); refused before (onnx.test.ts).
    if (!(["relu6", "depthwise", "globalavgpool", "residual"] as const).every(formatSupports)) this.skip();
    const file = path.join(scratch, "mobile.onnx");
    await writeFile(file, mobileBlock().bytes());
    const rng = createRng(8);
    const inputs = Array.from({ length: 20 }, () => Array.from({ length: 64 }, () => rng.int(256)));
    const cal = path.join(scratch, "mobile-calibration.json");
    await writeFile(cal, JSON.stringify({ inputs }));
    const imported = await importOnnxFile(file, { name: "onnx-e2e-mobile", calibration: cal, cacheDir: TEST_CACHE });
    const mobile = await loadModelByName("onnx-e2e-mobile", { cacheDir: TEST_CACHE });
    const p = new ModelProvider(ctx.provider!);
    const v = await p.deployVerifier(mobile, { deploymentsDir: path.join(scratch, "deployments") });
    await new ModelProvider(ctx.owner!).approveCircuit(mobile, v.address);
    const rec = await p.registerModel(mobile, TERMS);
    const agent = new ProviderAgent(ctx.provider!, [{ model: mobile, record: rec }], { pollMs: 100 });
    await agent.start();
    try {
      const c = new Consumer(ctx.consumer!);
      const input = inputs[3]!;
      const posted = await c.post({ model: mobile, modelId: rec.modelId, input });
      const r = await c.waitForResult(posted.requestId, { timeoutMs: 300_000, pollMs: 100 });
      expect(r.status).to.equal("Fulfilled");
      expect(r.output).to.equal(BigInt(predictInt(imported.artifact.model, input)));
      const check = await c.verifyResult(posted.requestId, await loadVerificationKey(mobile.setup));
      expect(check.ok, check.problem).to.equal(true);
    } finally {
      await agent.stop();
    }
  });

  it("should export a bundled model with `zkinfer model export-onnx` and refuse a graph with one line", async () => {
    const file = path.join(scratch, "mnist-linear.onnx");
    const exp = spawnZkinfer(["model", "export-onnx", "mnist-linear", "-o", file], {});
    expect(await exp.exit(), exp.text()).to.equal(0);
    const bundled = JSON.parse(await readFile(bundledModelFile("mnist-linear.json"), "utf8")) as Model;
    expect(Buffer.from(await readFile(file)).equals(Buffer.from(exportOnnx(bundled)))).to.equal(true);

    const bad = new GraphBuilder(["N", 4], 1);
    bad.node("Tanh", [bad.inputName], [], "/act/Tanh", ["y"]);
    bad.outputs = ["y"];
    const badFile = path.join(scratch, "bad.onnx");
    await writeFile(badFile, bad.bytes());
    const imp = spawnZkinfer(["model", "import", badFile, "--calibration", "mnist"], {});
    expect(await imp.exit()).to.equal(1);
    expect(imp.stderr().trim().split("\n")).to.deep.equal([
      `zkinfer: error: node "/act/Tanh" (Tanh): operator Tanh is not supported (supported: Gemm, MatMul, Add, Conv, Relu, Clip, MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape, BatchNormalization, Identity, Dropout, Constant, Softmax/LogSoftmax (last))`,
    ]);
  });
});
