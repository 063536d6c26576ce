import { expect } from "chai";
import {
  createRng,
  trainModel,
  validateModel,
  type ArchLayer,
  type Conv2dLayer,
  type TrainOptions,
} from "../../src/model/index.js";
import type { ResidualLayer } from "../../src/model/format.js";
import { backward, buildNet, forward, paramLayers, type NetLayer } from "../../src/model/trainLayers.js";
import { expectModelError } from "./helpers.js";

function toyData(n: number): { pixels: number[]; label: number }[] {
  const rng = createRng(3);
  return Array.from({ length: n }, () => {
    const label = rng.int(3);
    const pixels = Array.from({ length: 16 }, (_, i) => (i % 3 === label ? 200 + rng.int(56) : rng.int(60)));
    return { pixels, label };
  });
}

const options: TrainOptions = {
  name: "toy",
  inputShape: [1, 4, 4],
  layers: [
    { kind: "conv2d", channels: 2, kernel: 3, stride: 1, padding: 1 },
    { kind: "relu" },
    { kind: "maxpool", size: 2, stride: 2 },
    { kind: "flatten" },
    { kind: "dense", units: 3 },
  ],
  seed: 7,
  epochs: 3,
  batchSize: 8,
  learningRate: 0.01,
  augment: { height: 4, width: 4, maxShift: 1 },
};

describe("# createRng", () => {
  it("should give the same stream for the same seed and a different one otherwise", () => {
    const a = createRng(1);
    const b = createRng(1);
    const c = createRng(2);
    const sa = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).to.deep.equal(sa);
    expect(Array.from({ length: 5 }, () => c.next())).to.not.deep.equal(sa);
    for (const v of sa) expect(v).to.be.within(0, 1 - 2 ** -32);
  });
});

describe("# trainModel", () => {
  it("should be reproducible for a seed and produce a valid model", () => {
    const data = toyData(60);
    const a = trainModel(data, options);
    const b = trainModel(data, options);
    expect(JSON.stringify(a)).to.equal(JSON.stringify(b));
    expect(validateModel(a).outputShape).to.deep.equal([3]);
    const c = trainModel(data, { ...options, seed: 8 });
    expect(JSON.stringify(c)).to.not.equal(JSON.stringify(a));
  });

  it("should not train if options are invalid", () => {
    expectModelError(() => trainModel([], options), "BAD_ARGUMENT", "samples");
    expectModelError(() => trainModel(toyData(4), { ...options, epochs: 0 }), "BAD_ARGUMENT", "options.epochs");
  });
});

describe("# trainer layers (depthwise, ReLU6, residual, global average pool)", () => {
  const arch: ArchLayer[] = [
    { kind: "conv2d", channels: 3, kernel: 3, stride: 1, padding: 0 },
    { kind: "relu6" },
    {
      kind: "residual",
      layers: [
        { kind: "conv2d", channels: 3, kernel: 3, stride: 1, padding: 1, depthwise: true },
        { kind: "relu6" },
        { kind: "conv2d", channels: 3, kernel: 1, stride: 1, padding: 0 },
      ],
    },
    { kind: "conv2d", channels: 3, kernel: 3, stride: 2, padding: 1, depthwise: true },
    { kind: "globalavgpool" },
    { kind: "flatten" },
    { kind: "dense", units: 4 },
  ];

  function run(net: NetLayer[], x: Float64Array): Float64Array[] {
    const acts = [x];
    for (const l of net) acts.push(forward(l, acts[acts.length - 1]!));
    return acts;
  }

  it("should back-propagate the gradient of every parameter (finite differences agree)", () => {
    const rng = createRng(11);
    const net = buildNet(arch, [2, 6, 6], rng);
    // Non-zero biases: a zero bias on a window of clipped (zero) inputs sits on ReLU6's kink.
    for (const p of paramLayers(net)) p.b.forEach((_, j) => (p.b[j] = 0.1 + 0.2 * rng.next()));
    const x = Float64Array.from({ length: 72 }, () => rng.next() * 4);
    const c = Float64Array.from({ length: 4 }, () => rng.normal());
    const loss = (): number =>
      run(net, x)
        .at(-1)!
        .reduce((a, v, i) => a + v * c[i]!, 0);
    const acts = run(net, x);
    let g: Float64Array | undefined = Float64Array.from(c);
    for (let li = net.length - 1; li >= 0 && g; li--) g = backward(net[li]!, acts[li]!, acts[li + 1]!, g, li > 0);
    const params = paramLayers(net);
    expect(params.length).to.equal(5);
    let checked = 0;
    for (const p of params) {
      for (const [w, gw] of [
        [p.w, p.gw],
        [p.b, p.gb],
      ] as const) {
        for (let j = 0; j < w.length; j += 3) {
          const keep = w[j]!;
          w[j] = keep + 1e-6;
          const up = loss();
          w[j] = keep - 1e-6;
          const down = loss();
          w[j] = keep;
          // plain differences: the chai that Hardhat's matchers install takes integers in closeTo
          const numeric = (up - down) / 2e-6;
          expect(Math.abs(gw[j]! - numeric), `gradient ${gw[j]} vs finite difference ${numeric}`).to.be.at.most(
            1e-5 + 1e-4 * Math.abs(gw[j]!),
          );
          checked++;
        }
      }
    }
    expect(checked).to.be.greaterThan(20);
  });

  it("should write depthwise layers with groups and a residual body, reproducibly", () => {
    const data = toyData(40).map((s) => ({ ...s, pixels: s.pixels.concat(s.pixels, s.pixels.slice(0, 4)) }));
    const opts: TrainOptions = { ...options, inputShape: [1, 6, 6], layers: arch, epochs: 1, augment: undefined };
    const m = trainModel(data, opts);
    expect(JSON.stringify(trainModel(data, opts))).to.equal(JSON.stringify(m));
    expect(m.layers.map((l) => l.kind)).to.deep.equal([
      "conv2d",
      "relu6",
      "residual",
      "conv2d",
      "globalavgpool",
      "flatten",
      "dense",
    ]);
    const dw = m.layers[3] as Conv2dLayer;
    expect(dw.groups).to.equal(3);
    expect([dw.weights.length, dw.weights[0]!.length]).to.deep.equal([3, 1]);
    const body = (m.layers[2] as ResidualLayer).layers;
    expect(body.map((l) => l.kind)).to.deep.equal(["conv2d", "relu6", "conv2d"]);
    expect((body[0] as Conv2dLayer).groups).to.equal(3);
    expect(validateModel(m).outputShape).to.deep.equal([4]);
  });
});
