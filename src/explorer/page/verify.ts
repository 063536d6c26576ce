/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Verification in the page, trusting neither the provider nor the explorer's server:
 *
 * 1. The key. The circuit's record on chain names its zkey by sha256; the artifact endpoint serves
 *    that setup's manifest and the verification key the manifest names by its sha256. The page
 *    hashes the bytes it got and compares (the auditor's `checkSetupArtifacts`), then checks the
 *    key against the verifier on chain, as the auditor compares the verifier's code with the one
 *    generated from the zkey: the verifier's code must hash to the code hash the registry
 *    recorded, and every constant of the key (α, β, γ, δ, the IC points) must be in that code —
 *    a snarkjs verifier carries its key as immediate constants. A server that swaps both the key
 *    and its manifest is caught by the second check (case 61).
 * 2. The proof. Decoded from the settling transaction's calldata, its public signals rebuilt from
 *    events, checked with snarkjs's browser build — all through the SDK's own settlements module,
 *    the code the auditor runs. fulfillMany: the proof of the request at hand among the k sent.
 *    fulfillSharded: every shard's proof against that shard's own key (each checked as in 1, by
 *    the circuit the registry lists for the shard), with the commitment chain between them.
 */
import { keccak256, type Interface } from "ethers";

import {
  checkSettlement,
  checkShardedSettlement,
  decodeSettlementCall,
  type DecodedProof,
  type Groth16Verify,
} from "../../market/inference/settlements.js";
import type { Chain, CircuitRow, RequestRow, Snapshot } from "./data.js";

export type Verdict =
  | { state: "pending" }
  | { state: "ok"; method: string; batch: number; shards?: number }
  | { state: "fail"; reason: string; detail: string };

interface VerificationKey {
  nPublic: number;
  vk_alpha_1: string[];
  vk_beta_2: string[][];
  vk_gamma_2: string[][];
  vk_delta_2: string[][];
  IC: string[][];
}

interface SetupManifest {
  circuit: string;
  insecure: boolean;
  mode: string;
  zkeySha256: string;
  verificationKeySha256: string;
}

declare global {
  interface Window {
    snarkjs?: { groth16: { verify: (vk: object, signals: string[], proof: object) => Promise<boolean> } };
  }
}

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

/** The minimal big-endian bytes of `n` as hex (how solc pushes a constant: PUSH1…PUSH32). */
function pushHex(n: bigint): string {
  let h = n.toString(16);
  if (h.length % 2) h = "0" + h;
  return h;
}

/** Does `code` (hex, no 0x) push `n` as an immediate? (byte-aligned substring search) */
function codePushes(code: string, n: bigint): boolean {
  const needle = pushHex(n);
  for (let i = code.indexOf(needle); i >= 0; i = code.indexOf(needle, i + 1)) if (i % 2 === 0) return true;
  return false;
}

/** Every number of a verification key that the generated verifier embeds. */
function keyConstants(vk: VerificationKey): bigint[] {
  const g2 = (p: string[][]) => [p[0]![0]!, p[0]![1]!, p[1]![0]!, p[1]![1]!];
  return [
    vk.vk_alpha_1[0]!,
    vk.vk_alpha_1[1]!,
    ...g2(vk.vk_beta_2),
    ...g2(vk.vk_gamma_2),
    ...g2(vk.vk_delta_2),
    ...vk.IC.flatMap((p) => [p[0]!, p[1]!]),
  ].map((s) => BigInt(s));
}

export interface KeyCheck {
  ok: boolean;
  vk?: object;
  manifest?: SetupManifest;
  reason?: string;
  detail?: string;
}

const keyChecks = new Map<string, Promise<KeyCheck>>();

/** The verification key of a circuit, checked (cached per circuit for the page's life). */
export function keyFor(chain: Chain, circuit: CircuitRow): Promise<KeyCheck> {
  let p = keyChecks.get(circuit.circuitId);
  if (!p) {
    p = checkKey(chain, circuit);
    keyChecks.set(circuit.circuitId, p);
  }
  return p;
}

async function checkKey(chain: Chain, c: CircuitRow): Promise<KeyCheck> {
  const zkey = c.zkeyHash.slice(2).toLowerCase();
  const mres = await fetch(`/artifacts/setup/${zkey}`);
  if (!mres.ok)
    return {
      ok: false,
      reason: "key not available",
      detail: `the local artifact cache has no setup with zkey sha256 ${zkey.slice(0, 12)}… (the hash on chain)`,
    };
  const manifest = (await mres.json()) as SetupManifest;
  if (manifest.zkeySha256 !== zkey)
    return {
      ok: false,
      reason: "key hash mismatch",
      detail: "the served setup is for another zkey than the one on chain",
    };
  const kres = await fetch(`/artifacts/vkey/${manifest.verificationKeySha256}`);
  if (!kres.ok) return { ok: false, reason: "key not available", detail: "the setup's verification key is not served" };
  const bytes = await kres.arrayBuffer();
  const got = hex(await crypto.subtle.digest("SHA-256", bytes));
  if (got !== manifest.verificationKeySha256)
    return {
      ok: false,
      manifest,
      reason: "key hash mismatch",
      detail: `the served verification key has sha256 ${got.slice(0, 12)}…, its setup manifest records ${manifest.verificationKeySha256.slice(0, 12)}…`,
    };
  let vk: VerificationKey;
  try {
    vk = JSON.parse(new TextDecoder().decode(bytes)) as VerificationKey;
  } catch {
    return { ok: false, manifest, reason: "key unreadable", detail: "the verification key is not JSON" };
  }
  const code = await chain.provider.getCode(c.verifier);
  if (keccak256(code) !== c.verifierCodehash.toLowerCase())
    return {
      ok: false,
      manifest,
      reason: "verifier code mismatch",
      detail: `the code at ${c.verifier} does not hash to the code hash the registry recorded`,
    };
  let constants: bigint[];
  try {
    constants = keyConstants(vk);
  } catch {
    return { ok: false, manifest, reason: "key unreadable", detail: "the verification key lacks Groth16 points" };
  }
  const missing = constants.filter((n) => !codePushes(code.slice(2).toLowerCase(), n)).length;
  if (missing > 0 || vk.nPublic !== c.numPublicSignals)
    return {
      ok: false,
      manifest,
      reason: "key does not match the verifier on chain",
      detail:
        missing > 0
          ? `${missing} of the key's ${constants.length} constants are not in the verifier's code`
          : `the key has ${vk.nPublic} public signals, the circuit ${c.numPublicSignals}`,
    };
  return { ok: true, vk, manifest };
}

const verifyInPage: Groth16Verify = async (vk, signals, proof) => {
  const s = window.snarkjs;
  if (!s) throw new Error("snarkjs did not load");
  return s.groth16.verify(vk, [...signals], proof);
};

const verdicts = new Map<string, Promise<Verdict>>();

/** The verdict on the proof that settled `r` (one check per settling transaction and proof). */
export function verdictFor(chain: Chain, snap: Snapshot, r: RequestRow): Promise<Verdict> {
  const key = `${r.settleTx}:${r.id}`;
  let p = verdicts.get(key);
  if (!p) {
    p = verifyRequest(chain, snap, r).catch(
      (err: Error): Verdict => ({ state: "fail", reason: "could not verify", detail: err.message.split("\n")[0]! }),
    );
    verdicts.set(key, p);
  }
  return p;
}

async function verifyRequest(chain: Chain, snap: Snapshot, r: RequestRow): Promise<Verdict> {
  if (!r.settleTx || !r.circuitId || r.binding === undefined)
    return { state: "fail", reason: "not settled", detail: "no RequestFulfilled event" };
  const circuit = snap.circuits.get(r.circuitId);
  if (!circuit) return { state: "fail", reason: "unknown circuit", detail: `${r.circuitId} was never approved` };
  const model = snap.models.find((m) => m.modelId === r.request.modelId);
  if (!model) return { state: "fail", reason: "unknown model", detail: "the model is not registered" };
  const tx = await chain.provider.getTransaction(r.settleTx);
  if (!tx) return { state: "fail", reason: "proof not found", detail: "the settling transaction is not on chain" };
  const decoded =
    tx.to?.toLowerCase() === chain.config.market.toLowerCase()
      ? decodeSettlementCall(chain.marketIface as Interface, tx.data, r.id)
      : null;
  if (!decoded)
    return {
      state: "fail",
      reason: "proof not found",
      detail: "the settling transaction is no known settling call of the market",
    };
  if (decoded.shardProofs) return verifySharded(chain, snap, r, decoded);
  const key = await keyFor(chain, circuit);
  if (!key.ok || !key.vk) return { state: "fail", reason: key.reason!, detail: key.detail! };
  const byId = new Map(snap.requests.map((q) => [q.id.toString(), q]));
  const check = await checkSettlement({
    chainId: BigInt(chain.config.chainId),
    market: chain.config.market,
    requestIds: decoded.requestIds,
    outputs: decoded.outputs,
    proof: decoded.proof,
    eventBinding: r.binding,
    weightsCommitment: model.weightsCommitment,
    inputCommitments: decoded.requestIds.map((id) => byId.get(id.toString())?.request.inputCommitment ?? 0n),
    verificationKey: key.vk,
    verify: verifyInPage,
  });
  return check.ok
    ? { state: "ok", method: decoded.method, batch: decoded.requestIds.length }
    : { state: "fail", reason: "proof invalid", detail: check.problem ?? "the proof does not verify" };
}

/** A fulfillSharded settlement: every shard's key checked, then every shard proof and the chain. */
async function verifySharded(chain: Chain, snap: Snapshot, r: RequestRow, decoded: DecodedProof): Promise<Verdict> {
  const shards = await chain.registry.shardsOf(r.request.modelId);
  const keys: object[] = [];
  for (const [s, sh] of shards.entries()) {
    const circuit = snap.circuits.get(sh.circuitId);
    if (!circuit)
      return {
        state: "fail",
        reason: "unknown circuit",
        detail: `shard ${s}'s circuit ${sh.circuitId} was never approved`,
      };
    const key = await keyFor(chain, circuit);
    if (!key.ok || !key.vk) return { state: "fail", reason: key.reason!, detail: `shard ${s}: ${key.detail!}` };
    keys.push(key.vk);
  }
  const check = await checkShardedSettlement({
    chainId: BigInt(chain.config.chainId),
    market: chain.config.market,
    requestId: r.id,
    output: decoded.outputs[0]!,
    inputCommitment: r.request.inputCommitment,
    shardProofs: decoded.shardProofs!,
    commitments: decoded.commitments ?? [],
    eventBinding: r.binding!,
    shards: shards.map((sh, s) => ({ weightsCommitment: BigInt(sh.weightsCommitment), verificationKey: keys[s] })),
    verify: verifyInPage,
  });
  return check.ok
    ? { state: "ok", method: decoded.method, batch: 1, shards: check.verified }
    : { state: "fail", reason: "proof invalid", detail: check.problem ?? "a shard proof does not verify" };
}
