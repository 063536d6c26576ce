/**
 * What a provider agent checks before serving a model (case 34): the local wasm, zkey and
 * verifier are the ones registered and approved on chain, and the model is registered to it.
 * A batch circuit whose keys are not the registered ones is dropped (its requests are proved
 * one by one).
 */
import { compileVerifier, withRetry } from "../../chain/index.js";
import { checkSetupArtifacts, type SetupArtifacts } from "../../zk/index.js";
import type { MarketContext } from "../context.js";
import { MarketError } from "../errors.js";
import { checkModelArtifacts, circuitIdOf } from "../model.js";
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
