import { expect } from "chai";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider, Network, Wallet } from "ethers";

import {
  ChainError,
  assertCanReplace,
  assertDevRegistryAllowed,
  assertSetupAllowed,
  deployVerifier,
  isLocalChain,
  isTransientRpcError,
  readDeployments,
  recordDifferences,
  withRetry,
  type ContractRecord,
} from "../../src/chain/index.js";
import {
  Consumer,
  DEMO_LINEAR_SPEC,
  MarketError,
  ModelProvider,
  connectMarket,
  loadDemoLinearModel,
  type MarketContext,
} from "../../src/market/index.js";
import { ZkError, type SetupArtifacts } from "../../src/zk/index.js";
import { TEST_CACHE } from "../helpers/cache.js";

const RECORD: ContractRecord = {
  contract: "InferenceMarket",
  address: "0x" + "11".repeat(20),
  txHash: "0x" + "22".repeat(32),
  block: 2,
  constructorArgs: ["1", "0x" + "33".repeat(20)],
  bytecodeHash: "0x" + "44".repeat(32),
  codehash: "0x" + "55".repeat(32),
  deployedAt: "2026-01-01T00:00:00.000Z",
};

async function thrown(f: () => unknown): Promise<Error> {
  try {
    await f();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected an error");
}

/** A signer whose provider answers only getNetwork: anything else would be a transaction. */
function fakeSigner(chainId: bigint): Wallet {
  const provider = new JsonRpcProvider("http://127.0.0.1:1", Network.from(chainId), { staticNetwork: true });
  return new Wallet("0x" + "01".repeat(32), provider);
}

describe("# deployments records", () => {
  it("should treat only 31337 and 1337 as local dev chains", () => {
    expect(isLocalChain(31337n)).to.equal(true);
    expect(isLocalChain(1337)).to.equal(true);
    expect(isLocalChain(1n)).to.equal(false);
    expect(isLocalChain(11155111n)).to.equal(false);
  });

  it("should list what differs between a record and a planned deployment", () => {
    expect(
      recordDifferences(RECORD, { bytecodeHash: RECORD.bytecodeHash, constructorArgs: [1n, "0x" + "33".repeat(20)] }),
    ).to.deep.equal([]);
    expect(
      recordDifferences(RECORD, { bytecodeHash: "0x00", constructorArgs: [2n, "0x" + "33".repeat(20)] }),
    ).to.deep.equal(["bytecode", "constructor arguments"]);
    expect(
      recordDifferences({ ...RECORD, zkeySha256: "aa", verificationKeySha256: "bb" } as never, {
        bytecodeHash: RECORD.bytecodeHash,
        constructorArgs: RECORD.constructorArgs,
        zkeySha256: "cc",
      }),
    ).to.deep.equal(["zkey"]);
  });

  it("should not replace a differing record without force (case 38)", async () => {
    const e = await thrown(() =>
      assertCanReplace(31337n, "InferenceMarket", RECORD, { bytecodeHash: "0x00", constructorArgs: [] }),
    );
    expect(e).to.be.instanceOf(ChainError);
    expect((e as ChainError).code).to.equal("DEPLOYMENT_CONFLICT");
    expect((e as ChainError).parameter).to.equal("force");
    expect(e.message).to.match(/different bytecode, constructor arguments: pass --force/);
    assertCanReplace(31337n, "InferenceMarket", RECORD, { bytecodeHash: "0x00", constructorArgs: [] }, { force: true });
    assertCanReplace(31337n, "InferenceMarket", RECORD, { bytecodeHash: "0x00", constructorArgs: [] }, { stale: true });
    assertCanReplace(31337n, "InferenceMarket", undefined, { bytecodeHash: "0x00", constructorArgs: [] });
  });

  it("should not accept insecure dev setups or dev registries on a non-local chain without the flag (case 39)", async () => {
    const setup = { circuit: "DemoLinear", insecure: true };
    const e = await thrown(() => assertSetupAllowed(11155111n, setup));
    expect((e as ChainError).code).to.equal("INSECURE_SETUP");
    expect(e.message).to.match(/INSECURE dev setup of DemoLinear on chain 11155111/);
    assertSetupAllowed(11155111n, setup, { allowInsecure: true });
    assertSetupAllowed(31337n, setup);
    assertSetupAllowed(1n, { circuit: "X", insecure: false });
    expect((await thrown(() => assertDevRegistryAllowed(1n, true))).message).to.match(/accepts INSECURE dev circuits/);
    assertDevRegistryAllowed(1n, false);
  });

  it("should not read a deployments file of another chain or malformed JSON", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-dep-"));
    try {
      expect(await readDeployments(dir, 31337n)).to.equal(null);
      await writeFile(path.join(dir, "31337.json"), "{not json");
      expect((await thrown(() => readDeployments(dir, 31337n))).message).to.match(/not valid JSON/);
      await writeFile(path.join(dir, "31337.json"), JSON.stringify({ format: "zkinfer-deployments", chainId: "1" }));
      expect((await thrown(() => readDeployments(dir, 31337n))).message).to.match(
        /not a zkinfer deployments record for chain 31337/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("# deployVerifier", () => {
  let setup: SetupArtifacts;
  before(async () => {
    setup = (await loadDemoLinearModel({ cacheDir: TEST_CACHE })).setup;
  });

  it("should not deploy an insecure dev verifier on a non-local chain, before any transaction (case 39)", async () => {
    const e = await thrown(() => deployVerifier(fakeSigner(11155111n), setup, { deploymentsDir: os.tmpdir() }));
    expect((e as ChainError).code).to.equal("INSECURE_SETUP");
  });

  it("should not deploy a verifier whose zkey does not match its manifest (case 34)", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-zkey-"));
    try {
      await mkdir(dir, { recursive: true });
      const zkey = path.join(dir, path.basename(setup.zkey));
      await copyFile(setup.zkey, zkey);
      const vk = path.join(dir, "verification_key.json");
      await copyFile(setup.verificationKey, vk);
      const bytes = await readFile(zkey);
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
      await writeFile(zkey, bytes);
      const e = await thrown(() =>
        deployVerifier(fakeSigner(31337n), { ...setup, zkey, verificationKey: vk }, { deploymentsDir: dir }),
      );
      expect(e).to.be.instanceOf(ZkError);
      expect((e as ZkError).code).to.equal("ARTIFACT_MISMATCH");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("# withRetry (case 41)", () => {
  it("should retry transport failures with backoff and report each retry", async () => {
    let calls = 0;
    const retries: number[] = [];
    const v = await withRetry(
      "reading",
      async () => {
        if (++calls < 3) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
        return 42;
      },
      { baseDelayMs: 1, onRetry: ({ attempt }) => retries.push(attempt) },
    );
    expect(v).to.equal(42);
    expect(retries).to.deep.equal([1, 2]);
  });

  it("should not retry a revert, and should give up with RPC_UNAVAILABLE naming the call", async () => {
    let calls = 0;
    const revert = Object.assign(new Error("execution reverted"), { code: "CALL_EXCEPTION" });
    expect(isTransientRpcError(revert)).to.equal(false);
    expect(
      await thrown(() =>
        withRetry("x", async () => {
          calls++;
          throw revert;
        }),
      ),
    ).to.equal(revert);
    expect(calls).to.equal(1);
    const e = await thrown(() =>
      withRetry("reading request 7", () => Promise.reject(Object.assign(new Error("x"), { code: "ETIMEDOUT" })), {
        retries: 1,
        baseDelayMs: 1,
      }),
    );
    expect((e as ChainError).code).to.equal("RPC_UNAVAILABLE");
    expect(e.message).to.match(/^reading request 7: the RPC endpoint did not answer after 2 attempts/);
  });
});

describe("# SDK argument validation", () => {
  const fakeCtx = { market: {}, registry: {} } as unknown as MarketContext;

  it("should name the input field that is out of range, NaN or of the wrong shape (case 35)", async () => {
    expect((await thrown(() => DEMO_LINEAR_SPEC.checkInput([1, 2, 3]))).message).to.equal(
      "invalid input: expected 4 values, got 3",
    );
    expect((await thrown(() => DEMO_LINEAR_SPEC.checkInput([1, 2, NaN, 4]))).message).to.equal(
      "invalid input[2]: expected an integer in [0, 255], got NaN",
    );
    expect((await thrown(() => DEMO_LINEAR_SPEC.checkInput([1, 2, 3, 256]))).message).to.match(/^invalid input\[3\]/);
    expect((await thrown(() => DEMO_LINEAR_SPEC.checkInput([1, Infinity, 3, 4]))).message).to.match(
      /^invalid input\[1\]/,
    );
    const e = await thrown(() => loadDemoLinearModel({ cacheDir: TEST_CACHE, weights: [1n, 2n, 300n, 4n] }));
    expect((e as MarketError).parameter).to.equal("weights[2]");
  });

  it("should not post a bounty with a malformed model id, amount or deadline", async () => {
    const c = new Consumer(fakeCtx);
    const base = { model: DEMO_LINEAR_SPEC, modelId: "0x" + "ab".repeat(32), input: [1, 2, 3, 4] };
    expect((await thrown(() => c.post({ ...base, modelId: "0x12" }))).message).to.match(/^invalid modelId/);
    expect((await thrown(() => c.post({ ...base, amount: 0n }))).message).to.match(/^invalid amount/);
    expect((await thrown(() => c.post({ ...base, deadline: -1n }))).message).to.match(/^invalid deadline/);
    expect((await thrown(() => c.post({ ...base, input: [1, 2, 3, -1] }))).message).to.match(/^invalid input\[3\]/);
    expect((await thrown(() => c.post(base))).message).to.match(/^invalid signer: posting a bounty needs a signer/);
    expect((await thrown(() => c.status("abc"))).message).to.match(/^invalid requestId/);
    expect((await thrown(() => c.waitForResult(0n))).message).to.match(/^invalid requestId/);
  });

  it("should not register a model with out-of-range terms", async () => {
    const p = new ModelProvider(fakeCtx);
    const model = await loadDemoLinearModel({ cacheDir: TEST_CACHE });
    const terms = { price: 1n, slashAmount: 0n, responseWindow: 600n, capacity: 1 };
    expect((await thrown(() => p.registerModel(model, { ...terms, price: 0n }))).message).to.match(
      /^invalid terms\.price/,
    );
    expect((await thrown(() => p.registerModel(model, { ...terms, responseWindow: 10n }))).message).to.match(
      /^invalid terms\.responseWindow/,
    );
    expect((await thrown(() => p.registerModel(model, { ...terms, capacity: 0 }))).message).to.match(
      /^invalid terms\.capacity/,
    );
    expect((await thrown(() => p.stake(-1n))).message).to.match(/^invalid amount/);
  });

  it("should not connect without a provider, cache folder or well-formed addresses", async () => {
    expect((await thrown(() => connectMarket({ cacheDir: "x" }))).message).to.match(/^invalid provider/);
    const provider = new JsonRpcProvider("http://127.0.0.1:1", Network.from(31337n), { staticNetwork: true });
    expect((await thrown(() => connectMarket({ provider, cacheDir: "" }))).message).to.match(/^invalid cacheDir/);
    expect(
      (
        await thrown(() =>
          connectMarket({ provider, cacheDir: "x", addresses: { market: "0x12", registry: "0x" + "11".repeat(20) } }),
        )
      ).message,
    ).to.match(/^invalid addresses\.market/);
  });
});
