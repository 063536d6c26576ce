/**
 * Sharded models in the market (src/circuit/shard.ts for the circuits): loading one (plan, compile
 * and dev-set-up every shard), onboarding it (a verifier per shard, each shard circuit approved,
 * `registerShardedModel`), and what the agent proves per request — one ProofJob per shard, keyed
 * `${requestId}:${shard}`, handed to a ProverPool (src/zk/pool.ts) — and caches.
 *
 * The provider keeps two secrets in its model record: the weight salt (as for any model) and the
 * activation secret, from which each request's activation salt is derived (`activationSalt`), so a
 * restarted agent rebuilds the same commitments.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { id as keccakId } from "ethers";

import { deployVerifier, type DeployOptions } from "../../chain/index.js";
import {
  activationSalt,
  buildShardInputs,
  compileShard,
  planShards,
  shardPacked,
  shardWeightsCommitment,
  type ShardPlan,
  type ShardSpec,
} from "../../circuit/shard.js";
import { commitmentOfPacked, flattenPacked, inputCommitment, type PackedLayer } from "../../circuit/commitment.js";
import type { QuantizedModel } from "../../model/index.js";
import { writeJsonAtomic } from "../../util/fs.js";
import {
  BN254_R,
  devSetup,
  packProof,
  sha256File,
  type CompiledCircuit,
  type ProofJob,
  type ProofResult,
  type SetupArtifacts,
} from "../../zk/index.js";
import { requireSigner, type MarketContext } from "../context.js";
import { MarketError, badArgument, txError } from "../errors.js";
import {
  architectureHashOf,
  circuitIdOf,
  modelEntryOf,
  modelEntryOfRecord,
  quantizedOf,
  registrySaltOf,
  sourceOf,
  type LoadOptions,
  type ModelSpec,
  type ModelSource,
} from "../model.js";
import type { ProvingModel } from "../model.js";
import type { ModelProvider, ModelRecord, ModelTerms, ShardRecord } from "./provider.js";
import type { ServedModel } from "./types.js";
import { bindingOf } from "./requests.js";

export interface LoadedShard {
  spec: ShardSpec;
  compiled: CompiledCircuit;
  setup: SetupArtifacts;
  constraints: number;
  architectureHash: string;
  circuitId: string;
  packed: PackedLayer[];
}

/** A sharded model, compiled and set up: what a provider registers and proves with. */
export interface ShardedModel extends ModelSpec {
  readonly source?: ModelSource;
  readonly qm: QuantizedModel;
  readonly plan: ShardPlan;
  readonly shards: readonly LoadedShard[];
  readonly totalConstraints: number;
  /** Each shard's weight commitment under `salt`. */
  weightsCommitments(salt: bigint): bigint[];
}

/** What one request's shards need: a proof job per shard and the signals the market rebuilds. */
export interface ShardedWork {
  jobs: ProofJob[];
  /** Per shard, the public signals its proof must carry. */
  expected: string[][];
  /** The S − 1 activation commitments between the shards (fulfillSharded's `commitments`). */
  commitments: bigint[];
  output: bigint;
}

function toBytes(input: ArrayLike<number>, n: number): Uint8Array {
  if (!input || input.length !== n) throw badArgument("input", `expected ${n} byte values, got ${input?.length}`);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = input[i];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 255)
      throw badArgument(`input[${i}]`, `expected an integer in [0, 255], got ${String(v)}`);
    out[i] = v;
  }
  return out;
}

/** Plans, compiles and dev-sets-up (all cached) every shard of a model at a constraint budget. */
export async function loadShardedModel(
  ref: string | Parameters<typeof modelEntryOf>[0],
  opts: LoadOptions & { budget?: number },
): Promise<ShardedModel> {
  const entry = modelEntryOf(ref, opts.cacheDir);
  if (entry.circuit) throw badArgument("model", `${entry.name} is a hand-written circuit: only generated models shard`);
  const artifact = await quantizedOf(entry, opts);
  const qm = artifact.model;
  const plan = planShards(qm, opts.budget === undefined ? {} : { budget: opts.budget });
  const say = opts.onProgress;
  say?.(
    `model ${qm.name}: ${plan.shards.length} shard(s) at a budget of ${plan.budget} constraints (${plan.shards.map((s) => `layers ${s.from}–${s.to - 1}${s.tile ? ` tile ${s.tile.t + 1} of ${s.tile.count}` : ""}`).join(", ")})`,
  );
  const shards: LoadedShard[] = [];
  for (let s = 0; s < plan.shards.length; s++) {
    const c = await compileShard(qm, plan, s, { cacheDir: opts.cacheDir, ...(say ? { onProgress: say } : {}) });
    const setup = await devSetup({ compiled: c.circuit, cacheDir: opts.cacheDir, ...(say ? { onProgress: say } : {}) });
    shards.push({
      spec: c.spec,
      compiled: c.circuit,
      setup,
      constraints: c.constraints,
      architectureHash: architectureHashOf(setup),
      circuitId: circuitIdOf(setup),
      packed: shardPacked(qm, plan, s),
    });
  }
  const n = plan.plan.inputSize;
  return {
    name: qm.name,
    inputLength: n,
    inputSpecHash: keccakId(`input:u8[${n}]`),
    checkInput: (input) => toBytes(input, n),
    inputCommitment: (input) => inputCommitment(toBytes(input, n)),
    describeOutput: (output) => output.toString(),
    source: await sourceOf(entry, artifact),
    qm,
    plan,
    shards,
    totalConstraints: shards.reduce((a, s) => a + s.constraints, 0),
    weightsCommitments: (salt) => shards.map((sh) => commitmentOfPacked(flattenPacked(sh.packed), salt)),
  };
}

/** The proof jobs of one request: witness of every shard from the integer reference's trace. */
export function shardedWork(
  model: ShardedModel,
  input: Uint8Array,
  o: { requestId: bigint; weightSalt: bigint; activationSalt: bigint; binding: bigint },
): ShardedWork {
  const built = buildShardInputs(
    model.qm,
    model.plan,
    { pixels: input, weightSalt: o.weightSalt, activationSalt: o.activationSalt, binding: o.binding },
    model.shards.map((s) => s.packed),
  );
  return {
    jobs: model.shards.map((sh, s) => ({
      key: `${o.requestId}:${s}`,
      wasm: sh.compiled.wasm,
      zkey: sh.setup.zkey,
      zkeyHash: sh.setup.manifest.zkeySha256,
      input: built.shards[s]!.input,
      // Known before proving (the commitments are computed here): a pool checks every returned
      // proof against them, without computing a witness on the provider.
      publicSignals: built.shards[s]!.publicSignals.map(String),
      label: `request ${o.requestId} shard ${s + 1} of ${model.shards.length}`,
    })),
    expected: built.shards.map((w) => w.publicSignals.map(String)),
    commitments: built.commitments.slice(1),
    output: built.output,
  };
}

// ─────────────────────────────────────────── records ───────────────────────────────────────────

/**
 * Onboards a sharded model: deploys each shard's verifier, has it approved (an owner step: by
 * `approver`, or the provider itself on a local chain where it is the owner), registers.
 */
export async function onboardShardedModel(
  provider: ModelProvider,
  model: ShardedModel,
  terms: ModelTerms,
  opts: DeployOptions & { approve?: boolean; approver?: ModelProvider; salt?: bigint } = {},
): Promise<ModelRecord> {
  const ctx = provider.ctx;
  const signer = requireSigner(ctx, "registering a sharded model");
  const verifiers: string[] = [];
  for (const sh of model.shards) {
    const v = await deployVerifier(signer, sh.setup, { onProgress: ctx.say, ...opts });
    if (opts.approve ?? true)
      await (opts.approver ?? provider).approveShardCircuit(sh.setup, sh.architectureHash, v.address);
    verifiers.push(v.address);
  }
  for (const r of await provider.listModelRecords()) {
    if (
      r.name === model.name &&
      r.shards?.map((s) => s.circuitId).join() === model.shards.map((s) => s.circuitId).join()
    ) {
      const onChain = await ctx.registry.getModel(r.modelId);
      if (onChain.provider !== "0x0000000000000000000000000000000000000000") return r;
    }
  }
  const salt = opts.salt ?? BigInt("0x" + randomBytes(31).toString("hex"));
  if (salt < 0n || salt >= BN254_R) throw badArgument("salt", "expected a bigint in [0, r)");
  const wcs = model.weightsCommitments(salt);
  const registrySalt = registrySaltOf(model.name, wcs[0]!);
  const modelId = await ctx.registry.modelIdOf(await provider.getAddress(), registrySalt);
  const first = model.shards[0]!;
  const shards: ShardRecord[] = [];
  for (const [s, sh] of model.shards.entries())
    shards.push({
      name: sh.spec.name,
      circuitId: sh.circuitId,
      verifier: verifiers[s]!,
      zkeySha256: sh.setup.manifest.zkeySha256,
      wasmSha256: await sha256File(sh.compiled.wasm),
      weightsCommitment: wcs[s]!.toString(),
    });
  const record: ModelRecord = {
    format: "zkinfer-provider-model",
    name: model.name,
    modelId,
    circuitId: first.circuitId,
    verifier: verifiers[0]!,
    salt: "0x" + salt.toString(16),
    weightsCommitment: wcs[0]!.toString(),
    zkeySha256: first.setup.manifest.zkeySha256,
    verificationKeySha256: first.setup.manifest.verificationKeySha256,
    wasmSha256: shards[0]!.wasmSha256,
    insecure: model.shards.some((s) => s.setup.manifest.insecure),
    registeredAt: new Date().toISOString(),
    txHash: "",
    ...(model.source ? { source: model.source } : {}),
    shardBudget: model.plan.budget,
    shards,
    activationSecret: randomBytes(32).toString("hex"),
  };
  const file = path.join(await provider.stateDir(), "models", `${modelId}.json`);
  await writeJsonAtomic(file, record, 0o600); // the secrets first: a crash after this leaves a usable record
  try {
    const receipt = await (
      await ctx.registry.registerShardedModel(
        registrySalt,
        {
          circuitId: first.circuitId,
          batchCircuitIds: [],
          weightsCommitment: wcs[0]!,
          inputSpecHash: model.inputSpecHash,
          price: terms.price,
          slashAmount: terms.slashAmount,
          responseWindow: terms.responseWindow,
          capacity: terms.capacity,
          metadataURI: terms.metadataURI ?? `zkinfer:${model.name}:sharded`,
        },
        model.shards.map((s) => s.circuitId),
        wcs,
      )
    ).wait();
    record.txHash = receipt!.hash;
  } catch (err) {
    throw txError(`registering sharded model ${model.name}`, err);
  }
  await writeJsonAtomic(file, record, 0o600);
  ctx.say(
    `model ${model.name} registered as ${modelId.slice(0, 10)}… in ${model.shards.length} shards (${model.totalConstraints} constraints in all)`,
  );
  return record;
}

/** Loads the sharded model a record names and checks every shard against it (keys, commitments). */
export async function loadShardedModelFromRecord(record: ModelRecord, opts: LoadOptions): Promise<ShardedModel> {
  if (!record.shards || record.shardBudget === undefined)
    throw badArgument("record", `model ${record.name} is not a sharded model`);
  const model = await loadShardedModel(modelEntryOfRecord(record), { ...opts, budget: record.shardBudget });
  const wcs = model.weightsCommitments(BigInt(record.salt));
  model.shards.forEach((sh, s) => {
    const r = record.shards![s];
    if (!r || r.zkeySha256 !== sh.setup.manifest.zkeySha256 || r.weightsCommitment !== wcs[s]!.toString())
      throw new MarketError(
        "BAD_ARGUMENT",
        `invalid record: shard ${s} of model ${record.name} loads with other keys or weights than were registered`,
        "record",
      );
  });
  if (record.shards.length !== model.shards.length)
    throw new MarketError(
      "BAD_ARGUMENT",
      `invalid record: ${record.name} has ${record.shards.length} shards registered, ${model.shards.length} planned`,
      "record",
    );
  return model;
}

/** Checks the record's shards against the registry (case 34 for every shard): same circuits, same commitments. */
export async function checkShardedServed(ctx: MarketContext, record: ModelRecord, model: ShardedModel): Promise<void> {
  const onChain = await ctx.registry.shardsOf(record.modelId);
  const wcs = model.weightsCommitments(BigInt(record.salt));
  if (onChain.length !== model.shards.length)
    throw new MarketError(
      "BAD_ARGUMENT",
      `invalid model ${record.name}: ${onChain.length} shards on chain, ${model.shards.length} here`,
      "model",
    );
  onChain.forEach((t, s) => {
    const sh = model.shards[s]!;
    if (t.circuitId.toLowerCase() !== sh.circuitId.toLowerCase() || BigInt(t.weightsCommitment) !== wcs[s])
      throw new MarketError(
        "BAD_ARGUMENT",
        `invalid model ${record.name}: shard ${s}'s circuit or weight commitment is not the one registered`,
        "model",
      );
  });
  for (const [s, sh] of model.shards.entries()) {
    const h = await sha256File(sh.compiled.wasm);
    if (record.shards?.[s]?.wasmSha256 !== h)
      throw new MarketError(
        "BAD_ARGUMENT",
        `invalid model ${record.name}: shard ${s}'s wasm is not the one registered`,
        "model",
      );
  }
}

// ─────────────────────────────────────── per-request proofs ───────────────────────────────────────

export interface CachedShardedProof {
  requestId: string;
  modelId: string;
  inputCommitment: string;
  output: string;
  /** Per shard, the proof packed for Solidity (8 words). */
  proofs: string[][];
  commitments: string[];
  publicSignals: string[][];
  proveMs: number;
}

/** A cached sharded proof whose every shard's signals are the expected ones, or null. */
export async function readCachedShardedProof(file: string, expected: string[][]): Promise<CachedShardedProof | null> {
  if (!existsSync(file)) return null;
  try {
    const c = JSON.parse(await readFile(file, "utf8")) as CachedShardedProof;
    if (JSON.stringify(c.publicSignals) === JSON.stringify(expected) && c.proofs.every((p) => p.length === 8)) return c;
  } catch {
    // unreadable: prove again
  }
  await rm(file, { force: true });
  return null;
}

/** The salts and binding of one request of a recorded sharded model. */
export function requestSecrets(ctx: MarketContext, record: ModelRecord, requestId: bigint) {
  if (!record.activationSecret) throw badArgument("record", `model ${record.name} keeps no activation secret`);
  return {
    requestId,
    weightSalt: BigInt(record.salt),
    activationSalt: activationSalt(record.activationSecret, ctx.chainId, ctx.addresses.market, requestId),
    binding: bindingOf(ctx.chainId, ctx.addresses.market, [requestId]),
  };
}

/** Packs the pool's results into the cache record, checking each shard's public signals. */
export function cachedFromResults(
  work: ShardedWork,
  results: readonly ProofResult[],
  o: { requestId: bigint; modelId: string; inputCommitment: bigint; proveMs: number },
): CachedShardedProof {
  results.forEach((r, s) => {
    if (r.publicSignals.join(",") !== work.expected[s]!.join(","))
      throw new MarketError(
        "PROOF_REJECTED",
        `request ${o.requestId}: shard ${s}'s proof carries other public signals than the market will rebuild`,
      );
  });
  return {
    requestId: o.requestId.toString(),
    modelId: o.modelId,
    inputCommitment: o.inputCommitment.toString(),
    output: work.output.toString(),
    proofs: results.map((r) => packProof(r.proof).map(String)),
    commitments: work.commitments.map(String),
    publicSignals: work.expected,
    proveMs: o.proveMs,
  };
}

/**
 * What the agent serves for a sharded model: `model` is its shard 0 (the model's primary circuit
 * on chain, so the agent's usual checks of keys and verifier apply to it), `sharded` the whole.
 */
export function servedSharded(record: ModelRecord, model: ShardedModel): ServedModel {
  const first = model.shards[0]!;
  const proving: ProvingModel = {
    name: model.name,
    inputLength: model.inputLength,
    inputSpecHash: model.inputSpecHash,
    checkInput: model.checkInput,
    inputCommitment: model.inputCommitment,
    describeOutput: model.describeOutput,
    ...(model.source ? { source: model.source } : {}),
    compiled: first.compiled,
    setup: first.setup,
    architectureHash: first.architectureHash,
    weightsCommitment: (salt) => model.weightsCommitments(salt)[0]!,
    buildInput: () => {
      throw new MarketError("BAD_ARGUMENT", `model ${model.name} is sharded: it is proved shard by shard`, "model");
    },
  };
  return { model: proving, record, sharded: model };
}

export { shardWeightsCommitment };
