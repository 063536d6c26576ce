import { expect } from "chai";

import path from "node:path";

import { planCircuit } from "../../src/circuit/index.js";
import {
  LABEL_TARGET,
  buildAuditInput,
  capHeightFor,
  commitDataset,
  compileAuditCircuit,
  DatasetError,
  freivaldsCost,
  generateAuditCircuit,
  merkleCost,
  packIndices,
  type CompiledAuditCircuit,
  type DatasetItem,
} from "../../src/dataset/index.js";
import {
  intInference,
  loadMnist,
  loadModel,
  mnistCalibration,
  quantize,
  type QuantizedModel,
} from "../../src/model/index.js";
import { calculateWitness } from "../../src/zk/index.js";
import { AUDIT_BATCH, AUDIT_DEPTH, MODEL_SALT, auditFixture } from "../helpers/auditFixture.js";
import { ROOT, TEST_CACHE } from "../helpers/cache.js";
import { tinyMlp } from "../model/helpers.js";

/**
 * The dataset audit circuit (mnist-linear, 8 items, depth 10) on real MNIST test digits: the
 * witness matches the integer reference, in both target modes, and a cheating prover's inputs —
 * a forged count, a relabelled item, an item that is not at its index, an index outside the tree
 * — make witness generation fail (a constraint does not hold).
 */
async function expectWitnessFailure(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    expect(String((err as Error).message)).to.match(/Assert Failed|witness/i);
    return;
  }
  expect.fail("witness generation should have failed");
}

describe("# dataset audit circuit", function () {
  this.timeout(600_000);
  const indices = [0, 7, 123, 999, 512, 7, 64, 300];

  it("should count the predictions equal to the labels, and to a class, as the integer reference does", async () => {
    const fx = await auditFixture();
    expect(fx.audit.publicSignals).to.deep.equal([
      "weightsCommitment",
      "datasetRoot",
      "target",
      "count",
      "packedIndices[0]",
    ]);
    for (const target of [LABEL_TARGET, 7]) {
      const built = buildAuditInput(fx.audit, {
        salt: MODEL_SALT,
        tree: fx.dataset.tree,
        items: fx.items,
        indices,
        target,
      });
      const expected = indices.filter((i) => {
        const p = intInference(fx.qm, fx.items[i]!.pixels).predicted;
        return p === (target === LABEL_TARGET ? fx.items[i]!.label : target);
      }).length;
      expect(built.count).to.equal(expected);
      expect(built.publicSignals).to.deep.equal([
        fx.weightsCommitment,
        fx.dataset.root,
        BigInt(target),
        BigInt(expected),
        ...packIndices(indices),
      ]);
      const w = await calculateWitness(fx.audit.circuit.wasm, built.input);
      expect(w.slice(1, 1 + built.publicSignals.length)).to.deep.equal(built.publicSignals);
    }
  });

  it("should not accept a forged count, a relabelled item, an item moved to another index, or another model's weights", async () => {
    const fx = await auditFixture();
    const built = buildAuditInput(fx.audit, {
      salt: MODEL_SALT,
      tree: fx.dataset.tree,
      items: fx.items,
      indices,
      target: LABEL_TARGET,
    });
    const wasm = fx.audit.circuit.wasm;
    await expectWitnessFailure(calculateWitness(wasm, { ...built.input, count: BigInt(built.count + 1) }));
    await expectWitnessFailure(
      calculateWitness(wasm, { ...built.input, label_2: BigInt((fx.items[123]!.label + 1) % 10) }),
    );
    // item 123's pixels and label presented as index 124 (its own Merkle path, other index bits)
    await expectWitnessFailure(
      calculateWitness(wasm, { ...built.input, packedIndices: packIndices([0, 7, 124, 999, 512, 7, 64, 300]) }),
    );
    await expectWitnessFailure(
      calculateWitness(wasm, { ...built.input, packedIndices: packIndices([0, 7, 123 + 1024, 999, 512, 7, 64, 300]) }),
    );
    await expectWitnessFailure(calculateWitness(wasm, { ...built.input, salt: MODEL_SALT + 1n }));
  });

  it("should bind each item through the tree's cap: another cap node, a forged cap, a cap of another data set (cases 73, 74)", async () => {
    const fx = await auditFixture();
    expect(fx.audit.capHeight).to.equal(3); // 8 items at depth 10: the 8 nodes at height 7
    const built = buildAuditInput(fx.audit, {
      salt: MODEL_SALT,
      tree: fx.dataset.tree,
      items: fx.items,
      indices,
      target: LABEL_TARGET,
    });
    expect(built.input.cap).to.deep.equal(fx.dataset.tree.cap(3));
    expect(built.input.siblings_2).to.deep.equal(fx.dataset.tree.proof(123, 7));
    const wasm = fx.audit.circuit.wasm;
    // item 123 (path below the cap unchanged) presented at 123 + 512 and 123 + 128: only the bits
    // that select the cap node differ
    for (const moved of [123 + 512, 123 + 128])
      await expectWitnessFailure(
        calculateWitness(wasm, { ...built.input, packedIndices: packIndices([0, 7, moved, 999, 512, 7, 64, 300]) }),
      );
    // a cap node replaced by item 123's own node at height 7 (so its path would select it)
    const cap = [...(built.input.cap as bigint[])];
    const forged = [...cap];
    forged[(123 >> 7) ^ 1] = cap[123 >> 7]!;
    await expectWitnessFailure(calculateWitness(wasm, { ...built.input, cap: forged }));
    // the cap of another data set (its items' paths then reach nodes it does not have)
    const other = commitDataset(fx.items.slice(0, 600), AUDIT_DEPTH);
    await expectWitnessFailure(calculateWitness(wasm, { ...built.input, cap: other.tree.cap(3) }));
  });

  it("should refuse, in TS, items that do not match the committed data set (one clear error)", async () => {
    const fx = await auditFixture();
    const relabelled = fx.items.map((it, i) => (i === 7 ? { ...it, label: (it.label + 1) % 10 } : it));
    expect(() =>
      buildAuditInput(fx.audit, {
        salt: MODEL_SALT,
        tree: fx.dataset.tree,
        items: relabelled,
        indices,
        target: LABEL_TARGET,
      }),
    )
      .to.throw(DatasetError)
      .with.property("message", "item 7 does not match the committed data set (its leaf differs)");
    expect(() =>
      buildAuditInput(fx.audit, {
        salt: MODEL_SALT,
        tree: commitDataset(fx.items.slice(0, 10), AUDIT_DEPTH).tree,
        items: fx.items.slice(0, 10),
        indices: Array(AUDIT_BATCH).fill(12) as number[],
        target: 3,
      }),
    ).to.throw(/index 12 is outside the data set \[0, 10\)/);
  });
});

describe("# dataset audit circuit with Freivalds' check (first layer batched)", function () {
  this.timeout(900_000);
  const indices = [0, 5, 9];
  let fx: {
    qm: QuantizedModel;
    items: DatasetItem[];
    dataset: ReturnType<typeof commitDataset>;
    plain: CompiledAuditCircuit;
    batched: CompiledAuditCircuit;
    packed: CompiledAuditCircuit;
    fullPath: CompiledAuditCircuit;
    leavesCap: CompiledAuditCircuit;
  };
  before(async () => {
    const mnist = loadMnist();
    const qm = quantize(tinyMlp(), { calibration: mnistCalibration(mnist) });
    const items = mnist.test.slice(0, 16).map((s) => ({ pixels: s.pixels, label: s.label }));
    const opts = { batch: 3, depth: 4, cacheDir: TEST_CACHE };
    fx = {
      qm,
      items,
      dataset: commitDataset(items, 4),
      plain: await compileAuditCircuit(qm, { ...opts, freivalds: false }),
      batched: await compileAuditCircuit(qm, { ...opts, freivalds: true }),
      packed: await compileAuditCircuit(qm, { ...opts, freivalds: "packed" }),
      fullPath: await compileAuditCircuit(qm, { ...opts, freivalds: false, capHeight: 0 }),
      leavesCap: await compileAuditCircuit(qm, { ...opts, freivalds: false, capHeight: 4 }),
    };
  });

  it("should count exactly as the per-item circuit and the integer reference do, in both target modes", async () => {
    expect(fx.batched.freivalds).to.equal(true);
    expect(fx.batched.name).to.equal("TinyMlpPrivateAuditB3D4F");
    expect(fx.plain.freivalds).to.equal(false);
    expect([fx.plain, fx.batched, fx.packed].map((a) => a.firstLayer)).to.deep.equal(["per-item", "opened", "packed"]);
    expect(fx.packed.name).to.equal("TinyMlpPrivateAuditB3D4FP");
    expect(fx.batched.publicSignals).to.deep.equal(fx.plain.publicSignals);
    expect(fx.packed.publicSignals).to.deep.equal(fx.plain.publicSignals);
    const predictions = indices.map((i) => intInference(fx.qm, fx.items[i]!.pixels).predicted);
    for (const target of [LABEL_TARGET, predictions[0]!]) {
      const req = { salt: MODEL_SALT, tree: fx.dataset.tree, items: fx.items, indices, target };
      const built = buildAuditInput(fx.batched, req);
      expect(built.predictions).to.deep.equal(predictions);
      expect(built.publicSignals).to.deep.equal(buildAuditInput(fx.plain, req).publicSignals);
      expect(buildAuditInput(fx.packed, req).input).to.deep.equal(built.input);
      if (target !== LABEL_TARGET) expect(built.count).to.be.greaterThan(0);
      for (const audit of [fx.plain, fx.batched, fx.packed]) {
        const w = await calculateWitness(audit.circuit.wasm, built.input);
        expect(w.slice(1, 1 + built.publicSignals.length), audit.name).to.deep.equal(built.publicSignals);
      }
      // the same statement through the whole path (no cap) and through a cap of all 16 leaves
      for (const audit of [fx.fullPath, fx.leavesCap]) {
        const own = buildAuditInput(audit, req);
        expect(own.publicSignals, audit.name).to.deep.equal(built.publicSignals);
        const w = await calculateWitness(audit.circuit.wasm, own.input);
        expect(w.slice(1, 1 + own.publicSignals.length), audit.name).to.deep.equal(built.publicSignals);
      }
    }
    expect([fx.plain, fx.fullPath, fx.leavesCap].map((a) => a.capHeight)).to.deep.equal([2, 0, 4]);
    expect([fx.fullPath.name, fx.leavesCap.name]).to.deep.equal([
      "TinyMlpPrivateAuditB3D4C0",
      "TinyMlpPrivateAuditB3D4C4",
    ]);
    // the cap the generator picks (h = 2) costs exactly what merkleCost says, less than either end
    expect(fx.fullPath.constraints - fx.plain.constraints).to.equal(merkleCost(3, 4, 0) - merkleCost(3, 4, 2));
    expect(fx.leavesCap.constraints - fx.plain.constraints).to.equal(merkleCost(3, 4, 4) - merkleCost(3, 4, 2));
  });

  it("should hash the cap once per proof at the height with the fewest constraints, and refuse a cap above the root", () => {
    // depth 10: 2,410 Merkle constraints per item without a cap; 1,469 at 32 items, 1,263 at 64
    expect([1, 2, 8, 16, 32, 64].map((b) => capHeightFor(b, 10))).to.deep.equal([0, 1, 3, 4, 5, 6]);
    expect(merkleCost(1, 10, 0)).to.equal(2410);
    expect(Math.round(merkleCost(32, 10, 5) / 32)).to.equal(1469);
    expect(Math.round(merkleCost(64, 10, 6) / 64)).to.equal(1263);
    expect(() => generateAuditCircuit(fx.qm, { batch: 3, depth: 4, capHeight: 5 })).to.throw(DatasetError, /capHeight/);
    expect(() => generateAuditCircuit(fx.qm, { batch: 3, depth: 4, capHeight: -1 })).to.throw(
      DatasetError,
      /capHeight/,
    );
  });

  it("should not accept a forged count, another item, or another model's weights", async () => {
    const built = buildAuditInput(fx.batched, {
      salt: MODEL_SALT,
      tree: fx.dataset.tree,
      items: fx.items,
      indices,
      target: LABEL_TARGET,
    });
    for (const wasm of [fx.batched.circuit.wasm, fx.packed.circuit.wasm]) {
      await expectWitnessFailure(calculateWitness(wasm, { ...built.input, count: BigInt(built.count + 1) }));
      await expectWitnessFailure(calculateWitness(wasm, { ...built.input, pixels_1: fx.items[6]!.pixels }));
      await expectWitnessFailure(calculateWitness(wasm, { ...built.input, salt: MODEL_SALT + 1n }));
    }
  });

  it("should use it only where it costs fewer constraints (auto), and refuse it where it cannot apply", async () => {
    const mnist = loadMnist();
    const mlp = quantize(await loadModel(path.join(ROOT, "models", "mnist-mlp.json")), {
      calibration: mnistCalibration(mnist),
    });
    const auto = (batch: number, optimizeFor = 1): string =>
      generateAuditCircuit(mlp, { batch, depth: 10, optimizeFor }).firstLayer;
    // the batch-1 packing has 8 bit planes: the packed check costs 8·784 products per item, the
    // opened one 784 per item plus ≈ 250k once
    expect([8, 16, 32, 64].map((b) => auto(b))).to.deep.equal(["packed", "packed", "opened", "opened"]);
    const cost = freivaldsCost(planCircuit(mlp, { optimizeFor: 1 }), "private", 32)!;
    expect(cost.freivalds).to.be.lessThan(cost.packedFreivalds);
    expect(cost.packedFreivalds).to.be.lessThan(cost.packed);
    // a one-plane packing (the batch circuits', optimizeFor 4): 784 products per item, nothing once
    expect([8, 16, 32, 64].map((b) => auto(b, 4))).to.deep.equal(["packed", "packed", "packed", "packed"]);
    expect(generateAuditCircuit(mlp, { batch: 32, depth: 10, optimizeFor: 4 }).name).to.equal(
      "MnistMlpPrivateAuditB32D10P4FP",
    );
    // the linear model's packed layer is one group: the per-item cost is already n products
    const linear = (await auditFixture()).qm;
    for (const batch of [8, 32, 64])
      expect(generateAuditCircuit(linear, { batch, depth: 10 }).freivalds).to.equal(false);
    for (const freivalds of [true, "packed"] as const)
      expect(() => generateAuditCircuit(mlp, { batch: 8, depth: 10, weights: "public", freivalds })).to.throw(
        DatasetError,
        /freivalds/,
      );
    expect(() => generateAuditCircuit(mlp, { batch: 8, depth: 10, freivalds: "yes" as never })).to.throw(
      DatasetError,
      /freivalds/,
    );
  });
});
