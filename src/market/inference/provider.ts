/**
 * The provider role: deploy the verifier generated from the model's own setup, have the circuit
 * approved (an owner step; done here on local chains where the provider may be the owner),
 * register the model with a secret salt, stake, unbond, withdraw. The agent (agent.ts) serves.
 *
 * The provider's secrets (the weight commitment's salt) live in its state folder,
 * `<cacheDir>/provider/<chainId>-<market>-<address>/models/<modelId>.json` (mode 0600), with the
 * artifact hashes the model was registered with, so a swapped zkey or wasm is refused later.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";

import { deployVerifier, withRetry, type DeployOptions, type VerifierDeployment } from "../../chain/index.js";
import { BN254_R, sha256File, sha256Hex, type SetupArtifacts } from "../../zk/index.js";
import { writeJsonAtomic } from "../../util/fs.js";
import { requireSigner, type MarketContext } from "../context.js";
import { MarketError, badArgument, txError } from "../errors.js";
import { circuitIdOf, registrySaltOf, type ModelSource, type ProvingModel } from "../model.js";

export interface ModelTerms {
  /** Minimum escrow of a bounty, wei. */
  price: bigint;
  /** Stake locked per open request and paid to the consumer on a missed deadline, wei. */
  slashAmount: bigint;
  /** Seconds a bounty's deadline is at least after posting (>= 60). */
  responseWindow: bigint;
  /** Maximum open requests. */
  capacity: number;
  metadataURI?: string;
}

/** What the provider keeps about a registered model (the salt is secret). */
export interface ModelRecord {
  format: "zkinfer-provider-model";
  name: string;
  modelId: string;
  circuitId: string;
  verifier: string;
  /** Weight commitment salt: SECRET. Hex. */
  salt: string;
  weightsCommitment: string;
  zkeySha256: string;
  verificationKeySha256: string;
  wasmSha256: string;
  insecure: boolean;
  registeredAt: string;
  txHash: string;
  /** Batch sizes registered with the model (its batch circuits); the agent batches with them. */
  batchSizes?: number[];
  /** Where the model came from (quantized artifact, model file): `loadProvingModelFromRecord` serves it. */
  source?: ModelSource;
  /** A sharded model (sharded.ts): its planner budget, and its shards in proving order. */
  shardBudget?: number;
  shards?: ShardRecord[];
  /** Sharded models: the secret each request's activation salt is derived from. SECRET. Hex. */
  activationSecret?: string;
}

/** A shard as the provider's model record keeps it. */
export interface ShardRecord {
  name: string;
  circuitId: string;
  verifier: string;
  zkeySha256: string;
  wasmSha256: string;
  weightsCommitment: string;
}

export function providerStateDir(ctx: MarketContext, providerAddress: string): string {
  return path.join(
    ctx.stateRoot,
    `${ctx.chainId}-${ctx.addresses.market.slice(2, 10).toLowerCase()}-${providerAddress.slice(2, 10).toLowerCase()}`,
  );
}

function checkTerms(t: ModelTerms): void {
  if (!t || typeof t !== "object") throw badArgument("terms", "expected an object");
  if (typeof t.price !== "bigint" || t.price <= 0n)
    throw badArgument("terms.price", `expected a positive bigint (wei), got ${String(t.price)}`);
  if (typeof t.slashAmount !== "bigint" || t.slashAmount < 0n)
    throw badArgument("terms.slashAmount", `expected a non-negative bigint (wei), got ${String(t.slashAmount)}`);
  if (typeof t.responseWindow !== "bigint" || t.responseWindow < 60n) {
    throw badArgument("terms.responseWindow", `expected at least 60 seconds (bigint), got ${String(t.responseWindow)}`);
  }
  if (!Number.isInteger(t.capacity) || t.capacity < 1 || t.capacity > 2 ** 32 - 1) {
    throw badArgument("terms.capacity", `expected a positive integer, got ${String(t.capacity)}`);
  }
}

export function checkAmount(amount: unknown, parameter = "amount"): bigint {
  if (typeof amount !== "bigint" || amount <= 0n)
    throw badArgument(parameter, `expected a positive bigint (wei), got ${String(amount)}`);
  return amount;
}

/**
 * What a circuit approval records as its setup transcript: for a ceremony, the sha256 of the
 * transcript file `ceremonyFinalize` wrote beside the keys (`<setup>/transcript.json`: every
 * contribution's hash and resulting zkey hash, and the beacon), so anyone holding the published
 * transcript can check it against the registry. A dev setup has no ceremony and no transcript —
 * its keys follow from a public seed — so its manifest (seed-derived, with the beacon and the key
 * hashes) stands in.
 */
export async function transcriptHashOf(setup: SetupArtifacts): Promise<string> {
  if (setup.manifest.mode !== "ceremony") return sha256Hex(JSON.stringify(setup.manifest));
  const file = path.join(setup.dir, "transcript.json");
  if (!existsSync(file)) {
    throw new MarketError(
      "NOT_FOUND",
      `ceremony setup ${setup.manifest.circuit} has no transcript at ${file}: finalize the ceremony with ceremonyFinalize (it writes one)`,
      "setup",
    );
  }
  return sha256File(file);
}

export class ModelProvider {
  private address?: string;

  constructor(readonly ctx: MarketContext) {
    if (!ctx || !ctx.market) throw badArgument("ctx", "expected a MarketContext (connectMarket)");
  }

  async getAddress(): Promise<string> {
    this.address ??= await requireSigner(this.ctx, "the provider role").getAddress();
    return this.address;
  }

  async stateDir(): Promise<string> {
    return providerStateDir(this.ctx, await this.getAddress());
  }

  /** Deploys (or reuses) the verifier generated from the model's setup; see chain/deploy.ts. */
  async deployVerifier(model: ProvingModel, opts: DeployOptions = {}): Promise<VerifierDeployment> {
    const signer = requireSigner(this.ctx, "deploying a verifier");
    return deployVerifier(signer, model.setup, { onProgress: this.ctx.say, ...opts });
  }

  /**
   * Owner step: approves the model's circuit with `verifier`. Reuses an identical approval;
   * refuses one that points elsewhere (entries are write-once on chain).
   */
  async approveCircuit(model: ProvingModel, verifier: string): Promise<string> {
    return this.approve(model.setup, 1, model.architectureHash, verifier);
  }

  /**
   * Owner step: approves a batch circuit of the model (k requests per proof) with `verifier`,
   * under the model's architecture hash (the registry requires it to match the primary circuit's).
   */
  async approveBatchCircuit(model: ProvingModel, batch: { size: number; setup: SetupArtifacts }, verifier: string) {
    return this.approve(batch.setup, batch.size, model.architectureHash, verifier);
  }

  /** Owner step: approves one shard circuit of a sharded model (batch size 1) with `verifier`. */
  async approveShardCircuit(setup: SetupArtifacts, architectureHash: string, verifier: string): Promise<string> {
    return this.approve(setup, 1, architectureHash, verifier);
  }

  private async approve(
    setup: SetupArtifacts,
    batchSize: number,
    architectureHash: string,
    verifier: string,
  ): Promise<string> {
    requireSigner(this.ctx, "approving a circuit");
    const circuitId = circuitIdOf(setup);
    const existing = await this.ctx.registry.getCircuit(circuitId);
    if (existing.verifier !== "0x0000000000000000000000000000000000000000") {
      if (existing.verifier.toLowerCase() !== verifier.toLowerCase()) {
        throw new MarketError(
          "BAD_ARGUMENT",
          `invalid verifier: circuit ${circuitId.slice(0, 10)}… is already approved with verifier ${existing.verifier}`,
          "verifier",
        );
      }
      return circuitId;
    }
    const m = setup.manifest;
    const params = {
      verifier,
      batchSize,
      visibility: 0,
      dev: m.insecure,
      contributors: m.contributions.filter((c) => c.name !== "beacon").length,
      zkeyHash: "0x" + m.zkeySha256,
      transcriptHash: "0x" + (await transcriptHashOf(setup)),
      beaconHash: m.beacon ? "0x" + m.beacon.hash.padStart(64, "0").slice(-64) : "0x" + "0".repeat(64),
      architectureHash,
    };
    try {
      await (await this.ctx.registry.approveCircuit(circuitId, params)).wait();
    } catch (err) {
      throw txError(`approving circuit ${m.circuit}`, err);
    }
    this.ctx.say(`circuit ${m.circuit} approved as ${circuitId.slice(0, 10)}…${m.insecure ? " (dev, INSECURE)" : ""}`);
    return circuitId;
  }

  /**
   * Registers the model with a fresh secret salt (or `salt`) and records it in the state folder.
   * Registering the same weights again returns the existing record.
   */
  async registerModel(
    model: ProvingModel,
    terms: ModelTerms,
    opts: { salt?: bigint; verifier?: string; batches?: { size: number; circuitId: string }[] } = {},
  ): Promise<ModelRecord> {
    checkTerms(terms);
    requireSigner(this.ctx, "registering a model");
    const dir = await this.stateDir();
    const circuitId = circuitIdOf(model.setup);
    const circuit = await this.ctx.registry.getCircuit(circuitId);
    if (circuit.verifier === "0x0000000000000000000000000000000000000000") {
      throw new MarketError(
        "NOT_FOUND",
        `circuit ${model.setup.manifest.circuit} (${circuitId.slice(0, 10)}…) is not approved: the registry owner must approve it first`,
        "circuitId",
      );
    }
    // Reuse a record of the same model on this market.
    for (const r of await this.listModelRecords()) {
      if (r.name === model.name && r.circuitId === circuitId) {
        const onChain = await this.ctx.registry.getModel(r.modelId);
        if (onChain.provider !== "0x0000000000000000000000000000000000000000") return r;
      }
    }
    const salt = opts.salt ?? BigInt("0x" + randomBytes(31).toString("hex"));
    if (salt < 0n || salt >= BN254_R) throw badArgument("salt", "expected a bigint in [0, r)");
    const weightsCommitment = model.weightsCommitment(salt);
    const registrySalt = registrySaltOf(model.name, weightsCommitment);
    const modelId = await this.ctx.registry.modelIdOf(await this.getAddress(), registrySalt);
    const record: ModelRecord = {
      format: "zkinfer-provider-model",
      name: model.name,
      modelId,
      circuitId,
      verifier: circuit.verifier,
      salt: "0x" + salt.toString(16),
      weightsCommitment: weightsCommitment.toString(),
      zkeySha256: model.setup.manifest.zkeySha256,
      verificationKeySha256: model.setup.manifest.verificationKeySha256,
      wasmSha256: await sha256File(model.compiled.wasm),
      insecure: model.setup.manifest.insecure,
      registeredAt: new Date().toISOString(),
      txHash: "",
      ...(opts.batches && opts.batches.length > 0 ? { batchSizes: opts.batches.map((b) => b.size) } : {}),
      ...(model.source ? { source: model.source } : {}),
    };
    // The secret is written before the transaction: a crash after it leaves a usable record.
    const file = path.join(dir, "models", `${modelId}.json`);
    await writeJsonAtomic(file, record, 0o600);
    try {
      const receipt = await (
        await this.ctx.registry.registerModel(registrySalt, {
          circuitId,
          batchCircuitIds: (opts.batches ?? []).map((b) => b.circuitId),
          weightsCommitment,
          inputSpecHash: model.inputSpecHash,
          price: terms.price,
          slashAmount: terms.slashAmount,
          responseWindow: terms.responseWindow,
          capacity: terms.capacity,
          metadataURI: terms.metadataURI ?? `zkinfer:${model.name}`,
        })
      ).wait();
      record.txHash = receipt!.hash;
    } catch (err) {
      throw txError(`registering model ${model.name}`, err);
    }
    await writeJsonAtomic(file, record, 0o600);
    this.ctx.say(
      `model ${model.name} registered as ${modelId.slice(0, 10)}… (weights committed, salt kept in ${path.relative(process.cwd(), file)})`,
    );
    return record;
  }

  async listModelRecords(): Promise<ModelRecord[]> {
    const dir = path.join(await this.stateDir(), "models");
    if (!existsSync(dir)) return [];
    const out: ModelRecord[] = [];
    for (const f of (await readdir(dir)).filter((f) => f.endsWith(".json"))) {
      out.push(JSON.parse(await readFile(path.join(dir, f), "utf8")) as ModelRecord);
    }
    return out;
  }

  async modelRecord(modelId: string): Promise<ModelRecord> {
    const file = path.join(await this.stateDir(), "models", `${modelId}.json`);
    if (!existsSync(file)) {
      throw new MarketError(
        "NOT_FOUND",
        `no record of model ${modelId} for this provider in ${path.dirname(file)}: register it with this key first`,
        "modelId",
      );
    }
    return JSON.parse(await readFile(file, "utf8")) as ModelRecord;
  }

  /** deploy verifier → approve circuit (owner) → register: the whole onboarding of a model. */
  async onboard(
    model: ProvingModel,
    terms: ModelTerms,
    opts: DeployOptions & { approve?: boolean } = {},
  ): Promise<ModelRecord> {
    const v = await this.deployVerifier(model, opts);
    if (opts.approve ?? true) await this.approveCircuit(model, v.address);
    return this.registerModel(model, terms);
  }

  async stake(amount: bigint): Promise<bigint> {
    checkAmount(amount);
    try {
      const token = await this.ctx.market.PAYMENT_TOKEN();
      const value = /^0x0+$/.test(token) ? amount : 0n;
      await (await this.ctx.market.depositStake(amount, { value })).wait();
    } catch (err) {
      throw txError("depositing stake", err);
    }
    return BigInt((await this.ctx.market.stakeOf(await this.getAddress())).total);
  }

  async unbond(amount: bigint): Promise<{ readyAt: bigint }> {
    checkAmount(amount);
    try {
      await (await this.ctx.market.requestUnbond(amount)).wait();
    } catch (err) {
      throw txError("requesting unbonding", err);
    }
    return { readyAt: BigInt((await this.ctx.market.stakeOf(await this.getAddress())).unbondingReadyAt) };
  }

  /** Moves matured unbonding stake into the pull balance, then withdraws the whole balance. */
  async withdrawStake(): Promise<{ unbonded: bigint; withdrawn: bigint }> {
    const me = await this.getAddress();
    const s = await this.ctx.market.stakeOf(me);
    let unbonded = 0n;
    if (BigInt(s.unbonding) > 0n) {
      try {
        await (await this.ctx.market.withdrawStake()).wait();
        unbonded = BigInt(s.unbonding);
      } catch (err) {
        throw txError("withdrawing stake", err);
      }
    }
    const amount = BigInt(await this.ctx.market.withdrawable(me));
    if (amount > 0n) {
      try {
        await (await this.ctx.market.withdraw()).wait();
      } catch (err) {
        throw txError("withdrawing", err);
      }
    }
    return { unbonded, withdrawn: amount };
  }

  async stakeInfo(): Promise<{
    total: bigint;
    locked: bigint;
    unbonding: bigint;
    unbondingReadyAt: bigint;
    withdrawable: bigint;
  }> {
    const me = await this.getAddress();
    const s = await withRetry("reading stake", () => this.ctx.market.stakeOf(me), this.ctx.retry);
    return {
      total: BigInt(s.total),
      locked: BigInt(s.locked),
      unbonding: BigInt(s.unbonding),
      unbondingReadyAt: BigInt(s.unbondingReadyAt),
      withdrawable: BigInt(await this.ctx.market.withdrawable(me)),
    };
  }
}
