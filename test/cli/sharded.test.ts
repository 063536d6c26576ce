import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { DEV_KEYS, startHardhatNode, type RunningNode } from "../e2e/hardhatNode.js";
import { errorLine, zkinfer } from "../helpers/cli.js";

/** `zkinfer provider register <model> --shard-budget <constraints>` against a hardhat node. */
describe("# zkinfer provider register --shard-budget", function () {
  this.timeout(300_000);
  let node: RunningNode;
  let dir: string;
  before(async () => {
    node = await startHardhatNode();
    dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-cli-sharded-"));
  });
  after(async () => {
    await node?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("should have the registry owner approve the shard circuits of a provider who does not own it", async () => {
    const owner = { ZKINFER_PRIVATE_KEY: DEV_KEYS[0]! };
    const provider = { ZKINFER_PRIVATE_KEY: DEV_KEYS[3]! };
    const chain = ["--rpc", node.url, "--deployments", dir, "--state", path.join(dir, "state")];
    const d = await zkinfer(owner, "deploy", ...chain.slice(0, 4));
    expect(d.code, d.stderr).to.equal(0);
    const budget = ["--shard-budget", "40000"];
    // refused before anything is deployed, naming each unapproved shard and what to run
    const refused = await zkinfer(provider, "provider", "register", "mnist-cnn", ...budget, ...chain);
    expect(errorLine(refused.stderr)[0]).to.match(
      /^zkinfer: error: shard circuit\(s\) MnistCnnPrivateL0to4 \(0x[0-9a-f]{8}…\), MnistCnnPrivateL4to5 \(0x[0-9a-f]{8}…\) not approved, and only the registry owner 0x[0-9a-fA-F]{40} can approve them: run `zkinfer provider approval mnist-cnn --shard-budget 40000`.*`zkinfer registry approve-shards mnist-cnn --shard-budget 40000`; nothing was deployed$/,
    );
    const approval = await zkinfer(provider, "provider", "approval", "mnist-cnn", ...budget, ...chain);
    expect(approval.code, approval.stderr).to.equal(0);
    const asked = JSON.parse(approval.stdout) as {
      shards: { circuit: string; circuitId: string; approved: boolean }[];
    };
    expect(asked.shards.map((c) => [c.circuit, c.approved])).to.deep.equal([
      ["MnistCnnPrivateL0to4", false],
      ["MnistCnnPrivateL4to5", false],
    ]);
    const ids = asked.shards.map((c) => c.circuitId);
    expect(approval.stderr).to.include(
      `zkinfer registry approve-shards mnist-cnn --shard-budget 40000 --expect-circuit-id ${ids.join(" ")}`,
    );

    const notOwner = await zkinfer(provider, "registry", "approve-shards", "mnist-cnn", ...budget, ...chain);
    expect(errorLine(notOwner.stderr)[0]).to.match(
      /^zkinfer: error: only the registry owner 0x[0-9a-fA-F]{40} can approve circuits/,
    );
    const partial = await zkinfer(
      owner,
      "registry",
      "approve-shards",
      "mnist-cnn",
      ...budget,
      "--expect-circuit-id",
      ids[0]!,
      ...chain,
    );
    expect(errorLine(partial.stderr)).to.deep.equal([
      "zkinfer: error: shard circuit(s) MnistCnnPrivateL4to5 of mnist-cnn at a shard budget of 40000 are not among the expected ids: the provider's plan differs; do not approve",
    ]);
    const approve = await zkinfer(
      owner,
      "registry",
      "approve-shards",
      "mnist-cnn",
      ...budget,
      "--expect-circuit-id",
      ...ids,
      ...chain,
    );
    expect(approve.code, approve.stderr).to.equal(0);
    const done = JSON.parse(approve.stdout) as { approved: { circuitId: string }[] };
    expect(done.approved.map((a) => a.circuitId)).to.deep.equal(ids);

    const r = await zkinfer(provider, "provider", "register", "mnist-cnn", ...budget, ...chain);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/registered as 0x[0-9a-f]+… in 2 shards/);
  });

  it("should register the model as shard circuits, print no secret, and refuse what cannot be sharded", async () => {
    const owner = { ZKINFER_PRIVATE_KEY: DEV_KEYS[0]! };
    const chain = ["--rpc", node.url, "--deployments", dir, "--state", path.join(dir, "state")];
    const r = await zkinfer(owner, "provider", "register", "mnist-cnn", "--shard-budget", "40000", ...chain);
    expect(r.code, r.stderr).to.equal(0);
    const record = JSON.parse(r.stdout) as { shards: { name: string }[]; shardBudget: number };
    expect(record.shards.map((s) => s.name)).to.deep.equal(["MnistCnnPrivateL0to4", "MnistCnnPrivateL4to5"]);
    expect(record.shardBudget).to.equal(40_000);
    expect(r.stdout).to.not.match(/"salt"|activationSecret/);
    expect(r.stderr).to.match(/registered as 0x[0-9a-f]+… in 2 shards/);

    const small = await zkinfer(owner, "provider", "register", "mnist-cnn", "--shard-budget", "20000", ...chain);
    expect(errorLine(small.stderr)[0]).to.match(
      /layers\[0\]: this layer alone needs about \d+ constraints, more than the shard budget of 20000/,
    );
    const both = await zkinfer(
      owner,
      "provider",
      "register",
      "mnist-cnn",
      "--shard-budget",
      "40000",
      "--batch",
      "4",
      ...chain,
    );
    expect(errorLine(both.stderr)).to.deep.equal([
      "zkinfer: error: --shard-budget and --batch do not go together: a sharded model is proved one request at a time",
    ]);
  });
});
