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

  it("should register the model as shard circuits, print no secret, and refuse what cannot be sharded", async () => {
    const owner = { ZKINFER_PRIVATE_KEY: DEV_KEYS[0]! };
    const chain = ["--rpc", node.url, "--deployments", dir, "--state", path.join(dir, "state")];
    const d = await zkinfer(owner, "deploy", ...chain.slice(0, 4));
    expect(d.code, d.stderr).to.equal(0);
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
