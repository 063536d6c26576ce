import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { ROOT } from "../helpers/cache.js";
import { DEV_KEYS, startHardhatNode, type RunningNode } from "../e2e/hardhatNode.js";
import { zkinfer as runZkinfer } from "../helpers/cli.js";
import { itDeep } from "../helpers/tiers.js";

const MODEL = path.join(ROOT, "models", "mnist-linear.json");

const zkinfer = (key: string, ...args: string[]) => runZkinfer({ ZKINFER_PRIVATE_KEY: key }, ...args);

async function ok(key: string, ...args: string[]): Promise<Record<string, unknown>> {
  const r = await zkinfer(key, ...args);
  expect(r.code, `zkinfer ${args.slice(0, 2).join(" ")}: ${r.stderr.split("\n").slice(-3).join(" | ")}`).to.equal(0);
  return r.stdout.trim().startsWith("{") || r.stdout.trim().startsWith("[")
    ? (JSON.parse(r.stdout) as Record<string, unknown>)
    : { text: r.stdout };
}

/**
 * `zkinfer accuracy …` against a real `hardhat node`: deploy, approve the audit circuit, commit
 * the MNIST test digits, claim, challenge, answer (`accuracy prove`: accept), reveal, answer
 * (`provider serve --accuracy-model`: prove), status — every step a separate process, as users run
 * them. The provider is also the registry owner here.
 */
describe("# zkinfer accuracy commands (hardhat node)", function () {
  this.timeout(900_000);
  let node: RunningNode;
  let dir: string;
  before(async () => {
    node = await startHardhatNode();
    dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-accuracy-cli-"));
  });
  after(async () => {
    await node?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("should refuse malformed ids, percentages and counts in one line, before touching a chain", async () => {
    const errorLines = async (...args: string[]) =>
      (await zkinfer("", ...args, "--rpc", "http://127.0.0.1:9")).stderr
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("zkinfer: error:"));
    const id = "0x" + "11".repeat(32);
    expect(await errorLines("accuracy", "challenge", id, "--data", "x", "--epsilon", "0")).to.deep.equal([
      'zkinfer: error: --epsilon must be a percentage in (0, 100], e.g. 85 or 99.9%, got "0"',
    ]);
    expect(
      await errorLines(
        "accuracy",
        "claim",
        "0x12",
        "--dataset-id",
        id,
        "--audit-circuit",
        id,
        "--accuracy",
        "50",
        "--collateral",
        "1",
        "--slash",
        "1",
      ),
    ).to.deep.equal(['zkinfer: error: <modelId> must be a 0x-prefixed 32-byte id, got "0x12"']);
    expect(await errorLines("accuracy", "approve-circuit", MODEL, "--model-id", id, "--batch", "x")).to.deep.equal([
      'zkinfer: error: --batch must be a positive integer, got "x"',
    ]);
    expect(await errorLines("accuracy", "reveal", "first")).to.deep.equal([
      'zkinfer: error: <challengeId> must be a challenge number, got "first"',
    ]);
  });

  itDeep("should take a claim from posting to an upheld challenge, and refuse bad input in one line", async () => {
    const provider = DEV_KEYS[0] as string;
    const challenger = DEV_KEYS[2] as string;
    const chain = ["--rpc", node.url, "--deployments", path.join(dir, "deployments")];
    const pState = ["--state", path.join(dir, "provider")];
    const cState = ["--state", path.join(dir, "challenger")];
    await ok(provider, "deploy", ...chain);
    const model = await ok(provider, "provider", "register", MODEL, ...chain, ...pState);
    await ok(provider, "accuracy", "deploy", ...chain);
    const circuit = await ok(
      provider,
      "accuracy",
      "approve-circuit",
      MODEL,
      "--model-id",
      model.modelId as string,
      ...chain,
    );
    const file = path.join(dir, "mnist-test.json");
    const ds = await ok(challenger, "accuracy", "dataset", file, "--mnist-test", ...chain);
    const claimArgs = [
      "accuracy",
      "claim",
      model.modelId as string,
      "--dataset-id",
      ds.datasetId as string,
      "--audit-circuit",
      circuit.auditCircuitId as string,
      "--collateral",
      "1",
      "--slash",
      "0.5",
      ...chain,
      ...pState,
    ];
    const bad = await zkinfer(provider, ...claimArgs, "--accuracy", "120");
    expect(bad.code).to.equal(1);
    expect(
      bad.stderr
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("zkinfer: error:")),
    ).to.deep.equal(['zkinfer: error: --accuracy must be a percentage in (0, 100], e.g. 85 or 99.9%, got "120"']);
    const { claimId } = await ok(provider, ...claimArgs, "--accuracy", "80");
    const ch = await ok(
      challenger,
      "accuracy",
      "challenge",
      claimId as string,
      "--data",
      file,
      "--epsilon",
      "50",
      ...chain,
      ...cState,
    );
    expect(ch).to.include({ samples: 8, proofs: 1 });
    const accepted = await ok(provider, "accuracy", "prove", MODEL, ...chain, ...pState);
    expect((accepted as unknown as { kind: string }[]).map((e) => e.kind)).to.deep.equal(["accepted"]);
    await ok(challenger, "accuracy", "reveal", String(ch.challengeId), ...chain, ...cState);
    // the provider's agent answers: `provider serve` with the audit model proves the sample
    const served = await zkinfer(
      provider,
      "provider",
      "serve",
      "--once",
      "--accuracy-model",
      MODEL,
      ...chain,
      ...pState,
    );
    expect(served.code, served.stderr.split("\n").slice(-5).join(" | ")).to.equal(0);
    expect(served.stderr).to.match(/challenge 1: proof 1 accepted on chain/);
    expect(served.stderr).to.match(/challenge 1: settled Passed/);
    const status = await ok(challenger, "accuracy", "status", claimId as string, ...chain);
    expect(status.text).to.match(/claims 80\.00%\s+standing/);
    expect(status.text).to.match(/challenge 1: ε 50\.0% at 95\.0% → 8 samples, 1\/1 proofs \d\/8 correct\s+Passed/);
  });
});
