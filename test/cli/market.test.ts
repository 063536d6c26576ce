import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Contract, ZeroHash } from "ethers";

import { DEV_KEYS, startHardhatNode, type RunningNode } from "../e2e/hardhatNode.js";
import { ROOT } from "../helpers/cache.js";
import { errorLine, zkinfer } from "../helpers/cli.js";

describe("# zkinfer market commands", function () {
  this.timeout(120_000);

  describe("without a chain", () => {
    it("should say in one line that the RPC endpoint is unreachable", async () => {
      const r = await zkinfer({}, "client", "status", "1", "--rpc", "http://127.0.0.1:9");
      expect(r.code).to.equal(1);
      expect(errorLine(r.stderr)).to.deep.equal([
        "zkinfer: error: cannot reach the JSON-RPC endpoint http://127.0.0.1:9: start one with `zkinfer node` or pass --rpc",
      ]);
    });

    it("should not accept malformed amounts, ids and URLs", async () => {
      expect(errorLine((await zkinfer({}, "provider", "stake", "1e18")).stderr)).to.deep.equal([
        'zkinfer: error: stake amount must be an amount in ETH (e.g. 0.01), got "1e18"',
      ]);
      expect(errorLine((await zkinfer({}, "client", "reclaim", "x")).stderr)).to.deep.equal([
        'zkinfer: error: request id must be a positive integer, got "x"',
      ]);
      expect(errorLine((await zkinfer({}, "audit", "--rpc", "ftp://x")).stderr)).to.deep.equal([
        'zkinfer: error: --rpc must be an http(s) URL, got "ftp://x"',
      ]);
    });

    it("should take ETH and percent, and say so when given 0 ETH or the old fraction spelling", async () => {
      const id = "0x" + "ab".repeat(32);
      const zero = await zkinfer(
        {},
        "client",
        "request",
        "demo-linear",
        "--model-id",
        id,
        "--input",
        "1,2,3,4",
        "--amount",
        "0",
      );
      expect(errorLine(zero.stderr)).to.deep.equal([
        'zkinfer: error: --amount must be a positive amount in ETH (e.g. 0.01), got "0"',
      ]);
      const fraction = await zkinfer({}, "retrieve", "request", "1", "--class", "7", "--fraction", "0.05");
      expect(errorLine(fraction.stderr)).to.deep.equal([
        'zkinfer: error: --fraction takes a percentage: write 5 for 5 % (the fraction spelling "0.05" is no longer accepted), or "0.05%" for 0.05 %',
      ]);
      const confidence = await zkinfer({}, "retrieve", "request", "1", "--class", "7", "--confidence", "0.95");
      expect(errorLine(confidence.stderr)[0]).to.match(/--confidence takes a percentage: write 95 for 95 %/);
      const accuracy = await zkinfer({}, "accuracy", "challenge", id, "--data", "x.json", "--epsilon", "0.05");
      expect(errorLine(accuracy.stderr)[0]).to.match(/--epsilon takes a percentage: write 5 for 5 %/);
    });

    it("should print its version, and list only the options a command uses", async () => {
      const pkg = JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8")) as { version: string };
      const v = await zkinfer({}, "--version");
      expect(v.code).to.equal(0);
      expect(v.stdout.trim()).to.equal(pkg.version);
      const deploy = (await zkinfer({}, "deploy", "--help")).stdout;
      expect(deploy)
        .to.match(/--rpc/)
        .and.match(/--keystore/);
      expect(deploy).to.not.match(/--market|--registry|--state/);
      const audit = (await zkinfer({}, "audit", "--help")).stdout;
      expect(audit)
        .to.match(/--rpc/)
        .and.match(/--market/);
      expect(audit).to.not.match(/--keystore|--state/);
    });
  });

  describe("against a hardhat node", () => {
    let node: RunningNode;
    let dir: string;
    before(async () => {
      node = await startHardhatNode();
      dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-cli-"));
    });
    after(async () => {
      await node?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("should ask for a key, never print one, and refuse a bad one", async () => {
      const r = await zkinfer({}, "deploy", "--rpc", node.url, "--deployments", dir);
      expect(errorLine(r.stderr)).to.deep.equal([
        "zkinfer: error: this command signs transactions: set ZKINFER_PRIVATE_KEY or pass --keystore <file> (password in ZKINFER_KEYSTORE_PASSWORD)",
      ]);
      const bad = await zkinfer({ ZKINFER_PRIVATE_KEY: "0x1234" }, "deploy", "--rpc", node.url, "--deployments", dir);
      expect(errorLine(bad.stderr)).to.deep.equal([
        "zkinfer: error: ZKINFER_PRIVATE_KEY is not a valid private key (expected 32 bytes of hex)",
      ]);
      expect(bad.stderr).to.not.include("0x1234");
    });

    it("should deploy, record, reuse, and register, stake, request, serve and audit", async () => {
      const owner = { ZKINFER_PRIVATE_KEY: DEV_KEYS[0] };
      const chain = ["--rpc", node.url, "--deployments", dir, "--state", path.join(dir, "state")];
      const d = await zkinfer(owner, "deploy", ...chain.slice(0, 4));
      expect(d.code, d.stderr).to.equal(0);
      const stack = JSON.parse(d.stdout) as { market: string; reused: boolean };
      expect(stack.reused).to.equal(false);
      const record = JSON.parse(await readFile(path.join(dir, "31337.json"), "utf8")) as {
        contracts: Record<string, { address: string }>;
      };
      expect(record.contracts.InferenceMarket!.address).to.equal(stack.market);
      const again = await zkinfer(owner, "deploy", ...chain.slice(0, 4));
      expect((JSON.parse(again.stdout) as { reused: boolean }).reused).to.equal(true);

      const reg = await zkinfer(owner, "provider", "register", "demo-linear", "--batch", "4", ...chain);
      expect(reg.code, reg.stderr).to.equal(0);
      const model = JSON.parse(reg.stdout) as { modelId: string; salt?: string; batchSizes?: number[] };
      expect(model.salt, "the salt is secret").to.equal(undefined);
      // registered with its batch-4 circuit: `provider serve` proves 4 queued requests at once
      expect(model.batchSizes).to.deep.equal([4]);
      const registry = new Contract(
        record.contracts.ModelRegistry!.address,
        ["function circuitFor(bytes32 modelId, uint256 batchSize) view returns (bytes32)"],
        node.provider,
      );
      expect(await registry.getFunction("circuitFor")(model.modelId, 4)).to.not.equal(ZeroHash);
      expect((await zkinfer(owner, "provider", "stake", "1", ...chain)).code).to.equal(0);

      const consumer = { ZKINFER_PRIVATE_KEY: DEV_KEYS[2] };
      const badInput = await zkinfer(
        consumer,
        "client",
        "request",
        "demo-linear",
        "--model-id",
        model.modelId,
        "--input",
        "1,2,x,4",
        ...chain,
      );
      expect(errorLine(badInput.stderr)).to.deep.equal([
        "zkinfer: error: invalid input[2]: expected an integer in [0, 255], got NaN",
      ]);
      const post = await zkinfer(
        consumer,
        "client",
        "request",
        "demo-linear",
        "--model-id",
        model.modelId,
        "--input",
        "1,2,3,4",
        ...chain,
      );
      expect(post.code, post.stderr).to.equal(0);
      const { requestId } = JSON.parse(post.stdout) as { requestId: string };

      const serve = await zkinfer(owner, "provider", "serve", "--once", "--poll-ms", "100", ...chain);
      expect(serve.code, serve.stderr).to.equal(0);
      expect(serve.stderr).to.match(/proving request 1 \(model demo-linear\)… \d+\.\d s/);
      const status = JSON.parse((await zkinfer({}, "client", "status", requestId, ...chain)).stdout) as {
        status: string;
        output: string;
      };
      expect(status).to.include({ status: "Fulfilled", output: "18" });

      const audit = await zkinfer({}, "audit", ...chain.slice(0, 4), "--json", path.join(dir, "audit.json"));
      expect(audit.code, audit.stderr).to.equal(0);
      expect(audit.stdout).to.match(/result: OK/);
      expect((JSON.parse(await readFile(path.join(dir, "audit.json"), "utf8")) as { ok: boolean }).ok).to.equal(true);

      const reclaim = await zkinfer(consumer, "client", "reclaim", requestId, ...chain);
      expect(errorLine(reclaim.stderr)).to.deep.equal([
        `zkinfer: error: request ${requestId} is Fulfilled: nothing to reclaim`,
      ]);

      // A bounty below the price: a sentence in ETH, not the raw custom error in wei.
      const cheap = await zkinfer(
        consumer,
        ...["client", "request", "demo-linear", "--model-id", model.modelId, "--input", "1,2,3,4"],
        ...["--amount", "0.001", ...chain],
      );
      expect(errorLine(cheap.stderr)[0]).to.match(
        /^zkinfer: error: posting the bounty failed: the bounty 0\.001 ETH is below the model's price 0\.01 ETH; pass --amount 0\.01 or more/,
      );

      // An unfunded key: the balance and the amount needed, in ETH (not "could not coalesce error").
      const broke = { ZKINFER_PRIVATE_KEY: "0x" + "42".repeat(32) };
      const stake = await zkinfer(broke, "provider", "stake", "1", ...chain);
      expect(errorLine(stake.stderr)[0]).to.match(
        /^zkinfer: error: depositing stake failed: insufficient funds: balance 0 ETH, needed 1(\.\d+)? ETH/,
      );
    });

    it("should tell a provider who does not own the registry what to ask for, before deploying anything", async () => {
      const owner = { ZKINFER_PRIVATE_KEY: DEV_KEYS[0] };
      const provider = { ZKINFER_PRIVATE_KEY: DEV_KEYS[3] };
      const chain = ["--rpc", node.url, "--deployments", dir, "--state", path.join(dir, "state")];
      const before = JSON.parse(await readFile(path.join(dir, "31337.json"), "utf8")) as {
        verifiers: Record<string, unknown>;
      };
      const refused = await zkinfer(provider, "provider", "register", "mnist-linear", ...chain);
      expect(refused.code).to.equal(1);
      expect(errorLine(refused.stderr)[0]).to.match(
        /^zkinfer: error: circuit MnistLinearPrivateB1 \(0x[0-9a-f]{8}…\) not approved, and only the registry owner 0x[0-9a-fA-F]{40} can approve it: run `zkinfer provider approval mnist-linear`.*`zkinfer registry approve-circuit mnist-linear`; nothing was deployed$/,
      );
      const after = JSON.parse(await readFile(path.join(dir, "31337.json"), "utf8")) as {
        verifiers: Record<string, unknown>;
      };
      expect(Object.keys(after.verifiers)).to.deep.equal(Object.keys(before.verifiers)); // nothing deployed

      const approval = await zkinfer(provider, "provider", "approval", "mnist-linear", ...chain);
      expect(approval.code, approval.stderr).to.equal(0);
      const asked = JSON.parse(approval.stdout) as { circuits: { circuitId: string; approved: boolean }[] };
      expect(asked.circuits).to.have.length(1);
      expect(asked.circuits[0]!.approved).to.equal(false);
      const id = asked.circuits[0]!.circuitId;

      const wrong = await zkinfer(
        owner,
        "registry",
        "approve-circuit",
        "mnist-linear",
        "--expect-circuit-id",
        "0x" + "12".repeat(32),
        ...chain,
      );
      expect(errorLine(wrong.stderr)[0]).to.match(/is not one rebuilt from mnist-linear .*do not approve$/);
      const notOwner = await zkinfer(provider, "registry", "approve-circuit", "mnist-linear", ...chain);
      expect(errorLine(notOwner.stderr)[0]).to.match(
        /^zkinfer: error: only the registry owner 0x[0-9a-fA-F]{40} can approve circuits/,
      );
      const approve = await zkinfer(
        owner,
        "registry",
        "approve-circuit",
        "mnist-linear",
        "--expect-circuit-id",
        id,
        ...chain,
      );
      expect(approve.code, approve.stderr).to.equal(0);
      expect((JSON.parse(approve.stdout) as { approved: { circuitId: string }[] }).approved[0]!.circuitId).to.equal(id);

      const registered = await zkinfer(provider, "provider", "register", "mnist-linear", ...chain);
      expect(registered.code, registered.stderr).to.equal(0);
      expect((JSON.parse(registered.stdout) as { modelId: string }).modelId).to.match(/^0x[0-9a-f]{64}$/);
    });
  });
});
