/**
 * What a provider agent checks before serving a model (case 34): the local wasm, zkey and
 * verifier are the ones registered and approved on chain, and the model is registered to it.
 * A batch circuit whose keys are not the registered ones is dropped (its requests are proved
 * one by one).
 */
import { getBytes } from "ethers";

import { compileVerifier, withRetry } from "../../chain/index.js";
import { checkSetupArtifacts, type SetupArtifacts } from "../../zk/index.js";
import type { MarketContext } from "../context.js";
import { MarketError } from "../errors.js";
import { checkModelArtifacts, circuitIdOf, type ProvingModel } from "../model.js";
import type { BatchCircuit, ServedModel } from "./types.js";

export async function checkServed(
  ctx: MarketContext,
  served: ServedModel & { batchBySize: Map<number, BatchCircuit> },
  me: string,
  checkVerifierCode: boolean,
): Promise<void> {
  const { model, record } = served;
  // Case 34: refuse a zkey/wasm/verifier that is not what was registered.
  await checkModelArtifacts(model, { wasmSha256: record.wasmSha256 });
  if (model.setup.manifest.zkeySha256 !== record.zkeySha256) {
    throw new MarketError(
      "BAD_ARGUMENT",
      `invalid model ${record.name}: its zkey ${model.setup.manifest.zkeySha256.slice(0, 12)}… is not the one registered (${record.zkeySha256.slice(0, 12)}…)`,
      "model",
    );
  }
  const onChain = await withRetry("reading the model", () => ctx.registry.getModel(record.modelId), ctx.retry);
  if (onChain.provider.toLowerCase() !== me.toLowerCase()) {
    throw new MarketError(
      "BAD_ARGUMENT",
      `invalid model ${record.name}: ${record.modelId} is not registered to ${me} on this market`,
      "model",
    );
  }
  await checkCircuit(ctx, record.name, onChain.circuitId, model.setup, checkVerifierCode);
  for (const [k, b] of served.batchBySize) {
    const registered = await withRetry(
      `reading the batch-${k} circuit of ${record.name}`,
      () => ctx.registry.circuitFor(record.modelId, k),
      ctx.retry,
    );
    if (registered.toLowerCase() !== circuitIdOf(b.setup).toLowerCase()) {
      served.batchBySize.delete(k);
      ctx.say(
        `agent: model ${record.name} has no batch-${k} circuit registered with these keys; proving its requests one by one`,
      );
      continue;
    }
    await checkSetupArtifacts(b.setup);
    await checkCircuit(ctx, `${record.name} (batch ${k})`, registered, b.setup, checkVerifierCode);
  }
}

async function checkCircuit(
  ctx: MarketContext,
  name: string,
  circuitId: string,
  setup: SetupArtifacts,
  checkVerifierCode: boolean,
): Promise<void> {
  const circuit = await withRetry("reading the circuit", () => ctx.registry.getCircuit(circuitId), ctx.retry);
  if (circuit.zkeyHash.toLowerCase() !== "0x" + setup.manifest.zkeySha256) {
    throw new MarketError(
      "BAD_ARGUMENT",
      `invalid model ${name}: the registry's zkey hash ${circuit.zkeyHash.slice(0, 14)}… differs from the local zkey`,
      "model",
    );
  }
  if (checkVerifierCode) {
    const expected = (await compileVerifier(setup)).codehash;
    if (circuit.verifierCodehash.toLowerCase() !== expected.toLowerCase()) {
      throw new MarketError(
        "BAD_ARGUMENT",
        `invalid model ${name}: the approved verifier's code is not the one generated from the local zkey`,
        "model",
      );
    }
  }
}

/**
 * Each job's input must be one the model takes and match its commitment, or no proof exists:
 * the inputs in order, or the first job that fails and why (the agent then refuses it, no slash).
 */
export function checkInputs<J extends { input: string; inputCommitment: bigint }>(
  jobs: readonly J[],
  model: ProvingModel,
): Uint8Array[] | { job: J; reason: string } {
  const inputs: Uint8Array[] = [];
  for (const job of jobs) {
    try {
      const input = model.checkInput(getBytes(job.input));
      if (model.inputCommitment(input) !== job.inputCommitment)
        throw new Error("the input does not match its commitment");
      inputs.push(input);
    } catch (err) {
      return { job, reason: `bad input: ${(err as Error).message}` };
    }
  }
  return inputs;
}
