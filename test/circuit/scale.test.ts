/**
 * The size claims of `npm run demo:scale` and `npm run bench -- scale`, checked without proving:
 * the default synthetic model is over 2^21 constraints in all and the planner cuts it into shards
 * of at most 2^20 each, and the MobileNet v2 projection counts the network it names (the
 * architecture's well-known 300M multiply-accumulates and 3.4M weights) and costs a layer the way
 * the planner does.
 */
import { expect } from "chai";

import { planCircuit } from "../../src/circuit/plan.js";
import { DEFAULT_SHARD_BUDGET, estimateLayerConstraints, planShards } from "../../src/circuit/shard.js";
import { loadMnist, mnistCalibration, quantize, validateModel } from "../../src/model/index.js";
import { projectMobileNetV2, totalOf, type RefWidths } from "../../scripts/scale/projection.js";
import { syntheticModel } from "../../scripts/scale/serve.js";

describe("scale: the demo's model and the MobileNet v2 projection", function () {
  this.timeout(120_000);

  it("the default demo:scale model is over 2^21 constraints, cut into shards of at most 2^20", function () {
    const model = validateModel(syntheticModel([384, 384, 384, 384]));
    const qm = quantize(model, { calibration: mnistCalibration(loadMnist(), 64) });
    const sp = planShards(qm, { budget: DEFAULT_SHARD_BUDGET });
    expect(sp.estimatedConstraints).to.be.greaterThan(2 ** 21);
    expect(sp.shards.length).to.be.greaterThan(2);
    for (const s of sp.shards) expect(s.estimatedConstraints).to.be.at.most(DEFAULT_SHARD_BUDGET);
    // the shards cover every layer once, in order
    expect(sp.shards.map((s) => [s.from, s.to])).to.deep.equal(
      sp.shards.map((s, i) => [i === 0 ? 0 : sp.shards[i - 1]!.to, s.to]),
    );
    expect(sp.shards.at(-1)!.to).to.equal(sp.plan.layers.length);
  });

  it("MobileNet v2 at 224×224: 300.8M multiply-accumulates and 3.47M conv/dense weights, costed per term", function () {
    const ref: RefWidths = {
      conv: { B: 17, fanIn: 9 },
      depthwise: { B: 17, fanIn: 9 },
      pointwise: { B: 19, fanIn: 32 },
      relu6K: 11,
    };
    const t = projectMobileNetV2(ref);
    // Sandler et al. report 300M multiply-adds and 3.4M parameters (batch-norm and biases aside)
    expect(t.macs).to.equal(300_774_272);
    expect(t.weights).to.equal(3_469_760);
    expect(totalOf(t)).to.equal(t.products + t.slots + t.hash + t.relu6 + t.residual + t.other);
    // a wider slot costs more everywhere it appears, and nothing else
    const wider = projectMobileNetV2({ ...ref, pointwise: { B: 20, fanIn: 32 } });
    expect(wider.macs).to.equal(t.macs);
    expect(wider.slots).to.be.greaterThan(t.slots);
  });

  it("the projection's per-layer formula is the planner's: a planned dense layer costs the same both ways", function () {
    const model = validateModel(syntheticModel([16, 24]));
    const qm = quantize(model, { calibration: mnistCalibration(loadMnist(), 16) });
    // a hidden layer: it computes on whole activations (the first one may use the input's bit planes)
    const dense = planCircuit(qm).layers.find((l) => l.kind === "dense" && l.index > 0);
    if (!dense || dense.kind !== "dense" || dense.packing.nPlanes !== 1) throw new Error("no hidden dense layer");
    const p = dense.packing;
    // products = groups × terms, slots = outputs × B, hashing = packed elements × 612 / 16
    const byFormula = p.nGroups * dense.terms + dense.outputsPerPosition * p.B + (p.elements * 612) / 16;
    expect(estimateLayerConstraints(dense)).to.equal(Math.ceil(byFormula));
  });
});
