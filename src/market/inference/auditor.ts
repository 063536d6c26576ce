/**
 * The auditor role: reads every event of a market over a block range and checks it without
 * trusting anyone — every settled proof is decoded from its transaction's calldata and verified
 * again off-chain with the verification key of the registered zkey; each verifier's code hash is
 * compared with the verifier generated from that zkey; insecure (dev) setups are flagged; money
 * is totalled (escrow, payouts, fees, refunds, slashes). Output: a JSON report and a summary.
 */
import { existsSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { keccak256, type Log } from "ethers";

import { compileVerifier, withRetry } from "../../chain/index.js";
import { checkSetupArtifacts, verifyProof, type SetupArtifacts, type SetupManifest } from "../../zk/index.js";
import type { MarketContext } from "../context.js";
import { describeRevert } from "../errors.js";
import { circuitIdOf } from "../model.js";
import {
  REQUEST_STATUS,
  requestFromEvent,
  settlementFromLog,
  verifySettlement,
  type PostedRequest,
  type Settlement,
} from "./requests.js";
import { checkShardedSettlement } from "./settlements.js";

export interface AuditOptions {
  fromBlock?: number;
  toBlock?: number;
  /** Setups to check against (besides those found in `<cacheDir>/setups/`). */
  setups?: SetupArtifacts[];
  onProgress?: (message: string) => void;
}

export interface CircuitAudit {
  circuitId: string;
  circuit: string | null;
  verifier: string;
  dev: boolean;
  insecure: boolean;
  zkeyHash: string;
  /** The registry's record of the verifier's code hash, the code on chain now, the generated one. */
  codehashRegistered: string;
  codehashOnChain: string;
  codehashExpected: string | null;
  codeOk: boolean | null;
  keysKnown: boolean;
}

export interface ModelAudit {
  modelId: string;
  provider: string;
  circuitId: string;
  weightsCommitment: string;
  insecure: boolean;
  price: string;
  slashAmount: string;
}

export interface RequestAudit {
  requestId: string;
  modelId: string;
  consumer: string;
  status: string;
  escrow: string;
  deadline: string;
  inputCommitment: string;
  postGas: string;
  output?: string;
  provider?: string;
  payout?: string;
  fee?: string;
  fulfillGas?: string;
  fulfillTx?: string;
  /** true/false: re-verified off-chain; null: no verification key known. */
  proofVerified?: boolean | null;
  /** A sharded model's request: how many shard proofs were re-verified (all must be). */
  shardsVerified?: number;
  refunded?: string;
  /** Reject share the provider kept when it rejected the input (`rejectInput`, case 50). */
  kept?: string;
  slashed?: string;
  problem?: string;
}

export interface AuditReport {
  format: "zkinfer-audit";
  chainId: string;
  market: string;
  registry: string;
  fromBlock: number;
  toBlock: number;
  circuits: CircuitAudit[];
  models: ModelAudit[];
  requests: RequestAudit[];
  totals: {
    requests: number;
    fulfilled: number;
    declined: number;
    reclaimed: number;
    open: number;
    escrowed: string;
    openEscrow: string;
    paidOut: string;
    fees: string;
    refunded: string;
    /** Reject shares kept by providers (`rejectInput`). */
    kept: string;
    slashed: string;
    stakeDeposited: string;
    withdrawn: string;
    fulfillGas: string;
  };
  problems: string[];
  warnings: string[];
  ok: boolean;
}

/** Every dev or ceremony setup in `<cacheDir>/setups/`. */
export async function findCachedSetups(cacheDir: string): Promise<SetupArtifacts[]> {
  const root = path.join(cacheDir, "setups");
  if (!existsSync(root)) return [];
  const out: SetupArtifacts[] = [];
  for (const d of await readdir(root)) {
    const dir = path.join(root, d);
    const mf = path.join(dir, "manifest.json");
    if (!existsSync(mf)) continue;
    try {
      const manifest = JSON.parse(await readFile(mf, "utf8")) as SetupManifest;
      out.push({
        dir,
        zkey: path.join(dir, `${manifest.circuit}.zkey`),
        verificationKey: path.join(dir, "verification_key.json"),
        manifest,
      });
    } catch {
      // not a setup folder
    }
  }
  return out;
}

export async function audit(ctx: MarketContext, opts: AuditOptions = {}): Promise<AuditReport> {
  const say = opts.onProgress ?? (() => {});
  const from = opts.fromBlock ?? ctx.addresses.fromBlock;
  const to =
    opts.toBlock ?? (await withRetry("reading the block number", () => ctx.provider.getBlockNumber(), ctx.retry));
  const q = <T>(what: string, fn: () => Promise<T>) => withRetry(what, fn, ctx.retry);
  const problems: string[] = [];
  const warnings: string[] = [];

  // Known keys, by zkey sha256: several setups may share a zkey (the same circuit under two names).
  const setups = new Map<string, SetupArtifacts[]>();
  for (const s of [...(await findCachedSetups(ctx.cacheDir)), ...(opts.setups ?? [])])
    setups.set(s.manifest.zkeySha256, [...(setups.get(s.manifest.zkeySha256) ?? []), s]);

  say(`audit: reading events of blocks ${from}–${to}`);
  const approved = await q("reading CircuitApproved", () =>
    ctx.registry.queryFilter(ctx.registry.filters.CircuitApproved(), from, to),
  );
  const circuits: CircuitAudit[] = [];
  const vkeys = new Map<string, object>();
  for (const log of approved) {
    const circuitId = log.args.circuitId as string;
    const c = await q("reading a circuit", () => ctx.registry.getCircuit(circuitId));
    const zkeyHex = (c.zkeyHash as string).slice(2).toLowerCase();
    // The setup the on-chain record names: its zkey hash and, through the circuit id (which hashes
    // the circuit name with the zkey hash), its name — never whichever the local cache holds first.
    const candidates = setups.get(zkeyHex) ?? [];
    const named = candidates.find((s) => circuitIdOf(s) === circuitId);
    const setup = named ?? candidates[0];
    const onChain = keccak256(await q("reading verifier code", () => ctx.provider.getCode(c.verifier)));
    let expected: string | null = null;
    let keysKnown = false;
    if (setup) {
      try {
        await checkSetupArtifacts(setup);
        vkeys.set(circuitId, JSON.parse(await readFile(setup.verificationKey, "utf8")) as object);
        keysKnown = true;
        if (named) expected = (await compileVerifier(named)).codehash;
        else {
          // No local setup carries this circuit's name: the code is checked only if some setup with
          // its zkey generates exactly the code on chain; otherwise it stays unchecked (a warning).
          for (const s of candidates) {
            const codehash = (await compileVerifier(s)).codehash;
            if (codehash === onChain) expected = codehash;
          }
          if (expected === null)
            warnings.push(
              `circuit ${circuitId.slice(0, 10)}…: no local setup named for this circuit id; its verifier code is unchecked`,
            );
        }
      } catch (err) {
        problems.push(
          `circuit ${circuitId.slice(0, 10)}…: local keys do not match their manifest (${(err as Error).message.split("\n")[0]})`,
        );
      }
    } else {
      warnings.push(
        `circuit ${circuitId.slice(0, 10)}…: no local setup with zkey ${zkeyHex.slice(0, 12)}…; its proofs cannot be re-verified here`,
      );
    }
    const codeOk =
      expected === null ? null : onChain === expected && (c.verifierCodehash as string).toLowerCase() === expected;
    if (codeOk === false)
      problems.push(
        `circuit ${circuitId.slice(0, 10)}…: verifier ${c.verifier} code differs from the one generated from its zkey`,
      );
    const insecure = Boolean(c.dev) || (setup?.manifest.insecure ?? false);
    if (insecure)
      warnings.push(
        `circuit ${named?.manifest.circuit ?? circuitId.slice(0, 10)}: INSECURE dev setup — anyone can forge its proofs`,
      );
    circuits.push({
      circuitId,
      circuit: named?.manifest.circuit ?? null,
      verifier: c.verifier,
      dev: Boolean(c.dev),
      insecure,
      zkeyHash: c.zkeyHash,
      codehashRegistered: c.verifierCodehash,
      codehashOnChain: onChain,
      codehashExpected: expected,
      codeOk,
      keysKnown,
    });
  }
  const insecureCircuits = new Set(circuits.filter((c) => c.insecure).map((c) => c.circuitId));

  const registered = await q("reading ModelRegistered", () =>
    ctx.registry.queryFilter(ctx.registry.filters.ModelRegistered(), from, to),
  );
  const models: ModelAudit[] = [];
  const weights = new Map<string, bigint>();
  for (const log of registered) {
    const modelId = log.args.modelId as string;
    const m = await q("reading a model", () => ctx.registry.getModel(modelId));
    weights.set(modelId, BigInt(m.weightsCommitment));
    models.push({
      modelId,
      provider: m.provider,
      circuitId: m.circuitId,
      weightsCommitment: BigInt(m.weightsCommitment).toString(),
      insecure: insecureCircuits.has(m.circuitId),
      price: BigInt(m.price).toString(),
      slashAmount: BigInt(m.slashAmount).toString(),
    });
  }

  const mk = ctx.market;
  const [posted, fulfilled, declined, rejected, reclaimed, deposits, withdrawals] = await Promise.all([
    q("reading BountyPosted", () => mk.queryFilter(mk.filters.BountyPosted(), from, to)),
    q("reading RequestFulfilled", () => mk.queryFilter(mk.filters.RequestFulfilled(), from, to)),
    q("reading RequestDeclined", () => mk.queryFilter(mk.filters.RequestDeclined(), from, to)),
    q("reading InputRejected", () => mk.queryFilter(mk.filters.InputRejected(), from, to)),
    q("reading RequestReclaimed", () => mk.queryFilter(mk.filters.RequestReclaimed(), from, to)),
    q("reading StakeDeposited", () => mk.queryFilter(mk.filters.StakeDeposited(), from, to)),
    q("reading Withdrawn", () => mk.queryFilter(mk.filters.Withdrawn(), from, to)),
  ]);
  const requests = new Map<string, RequestAudit>();
  const postedRequests = new Map<string, PostedRequest>();
  let escrowed = 0n;
  for (const log of posted) {
    const a = log.args;
    const postedRequest = requestFromEvent(a);
    postedRequests.set(BigInt(a.requestId).toString(), postedRequest);
    const receipt = await q("reading a receipt", () => ctx.provider.getTransactionReceipt(log.transactionHash));
    escrowed += BigInt(a.escrow);
    requests.set(BigInt(a.requestId).toString(), {
      requestId: BigInt(a.requestId).toString(),
      modelId: a.modelId,
      consumer: a.consumer,
      status: "Open",
      escrow: BigInt(a.escrow).toString(),
      deadline: postedRequest.deadline.toString(),
      inputCommitment: BigInt(a.inputCommitment).toString(),
      postGas: (receipt?.gasUsed ?? 0n).toString(),
    });
  }
  let paidOut = 0n;
  let fees = 0n;
  let fulfillGas = 0n;
  const seenTx = new Set<string>();
  for (const log of fulfilled) {
    const s = await settlementFromLog(ctx, log as unknown as Log);
    const id = BigInt(log.args.requestId).toString();
    const r = requests.get(id);
    paidOut += s.payout;
    fees += s.fee;
    if (!seenTx.has(s.txHash)) fulfillGas += s.gasUsed;
    seenTx.add(s.txHash);
    if (!r) {
      warnings.push(`request ${id}: fulfilled in range but posted before block ${from}`);
      continue;
    }
    Object.assign(r, {
      status: "Fulfilled",
      output: BigInt(log.args.output).toString(),
      provider: s.provider,
      payout: s.payout.toString(),
      fee: s.fee.toString(),
      fulfillGas: s.gasUsed.toString(),
      fulfillTx: s.txHash,
    });
    if (s.method === "fulfillSharded") {
      const check = await verifyShardedSettlement(ctx, s, BigInt(r.inputCommitment), vkeys);
      r.proofVerified = check.ok;
      r.shardsVerified = check.verified;
      if (check.ok === false) {
        r.problem = check.problem ?? "a shard proof does not verify";
        problems.push(`request ${id}: ${r.problem}`);
      }
      continue;
    }
    const vkey = vkeys.get(s.circuitId);
    if (!vkey) {
      r.proofVerified = null;
      continue;
    }
    const inputCommitments = s.requestIds.map((rid) => BigInt(requests.get(rid.toString())?.inputCommitment ?? 0));
    const check = await verifySettlement(ctx, s, {
      weightsCommitment: weights.get(s.modelId) ?? 0n,
      inputCommitments,
      verificationKey: vkey,
    });
    r.proofVerified = check.ok;
    if (!check.ok) {
      r.problem = check.problem ?? "proof does not verify";
      problems.push(`request ${id}: ${r.problem}`);
    }
  }
  let refunded = 0n;
  let slashed = 0n;
  for (const log of declined) {
    const r = requests.get(BigInt(log.args.requestId).toString());
    refunded += BigInt(log.args.refunded);
    if (r) Object.assign(r, { status: "Declined", refunded: BigInt(log.args.refunded).toString() });
  }
  let kept = 0n;
  for (const log of rejected) {
    const r = requests.get(BigInt(log.args.requestId).toString());
    refunded += BigInt(log.args.refunded);
    kept += BigInt(log.args.kept);
    if (r)
      Object.assign(r, {
        status: "Declined",
        refunded: BigInt(log.args.refunded).toString(),
        kept: BigInt(log.args.kept).toString(),
      });
  }
  for (const log of reclaimed) {
    const r = requests.get(BigInt(log.args.requestId).toString());
    refunded += BigInt(log.args.refunded);
    slashed += BigInt(log.args.slashed);
    if (r)
      Object.assign(r, {
        status: "Reclaimed",
        refunded: BigInt(log.args.refunded).toString(),
        slashed: BigInt(log.args.slashed).toString(),
      });
  }
  // Cross-check each request's final status with the contract.
  // An open request must also match the hash the market stored (deadlineOf checks it): the
  // request rebuilt from its event is what settling, declining or reclaiming it will pass.
  for (const r of requests.values()) {
    const onChain = REQUEST_STATUS[Number(await q("reading a request", () => mk.statusOf(BigInt(r.requestId))))];
    const current = to >= (await ctx.provider.getBlockNumber());
    if (onChain !== r.status && current) {
      problems.push(`request ${r.requestId}: events say ${r.status}, the contract says ${onChain}`);
    }
    const rebuilt = postedRequests.get(r.requestId);
    if (current && onChain === "Open" && rebuilt) {
      try {
        await mk.deadlineOf(rebuilt);
      } catch (err) {
        problems.push(
          `request ${r.requestId}: the request rebuilt from its BountyPosted event is refused by the market (${describeRevert(err)})`,
        );
      }
    }
  }
  const list = [...requests.values()].sort((a, b) => Number(BigInt(a.requestId) - BigInt(b.requestId)));
  const count = (s: string) => list.filter((r) => r.status === s).length;
  const openEscrow = list.filter((r) => r.status === "Open").reduce((acc, r) => acc + BigInt(r.escrow), 0n);
  if (escrowed !== paidOut + fees + refunded + kept + openEscrow) {
    problems.push(
      `escrow does not balance: ${escrowed} posted ≠ ${paidOut} paid + ${fees} fees + ${refunded} refunded + ${kept} kept on rejection + ${openEscrow} open`,
    );
  }
  const report: AuditReport = {
    format: "zkinfer-audit",
    chainId: ctx.chainId.toString(),
    market: ctx.addresses.market,
    registry: ctx.addresses.registry,
    fromBlock: from,
    toBlock: to,
    circuits,
    models,
    requests: list,
    totals: {
      requests: list.length,
      fulfilled: count("Fulfilled"),
      declined: count("Declined"),
      reclaimed: count("Reclaimed"),
      open: count("Open"),
      escrowed: escrowed.toString(),
      openEscrow: openEscrow.toString(),
      paidOut: paidOut.toString(),
      fees: fees.toString(),
      refunded: refunded.toString(),
      kept: kept.toString(),
      slashed: slashed.toString(),
      stakeDeposited: deposits.reduce((acc, l) => acc + BigInt(l.args.amount), 0n).toString(),
      withdrawn: withdrawals.reduce((acc, l) => acc + BigInt(l.args.amount), 0n).toString(),
      fulfillGas: fulfillGas.toString(),
    },
    problems,
    warnings,
    ok: problems.length === 0,
  };
  say(`audit: ${list.length} request(s), ${count("Fulfilled")} proof(s) re-verified, ${problems.length} problem(s)`);
  return report;
}

/**
 * Re-verifies every shard proof of a fulfillSharded settlement off-chain (settlements.ts's
 * `checkShardedSettlement`, the explorer page's code too): shard s against the verification key
 * of the circuit the registry lists at position s. ok is null when a key is unknown.
 */
async function verifyShardedSettlement(
  ctx: MarketContext,
  s: Settlement,
  inputCommitment: bigint,
  vkeys: Map<string, object>,
): Promise<{ ok: boolean | null; verified: number; problem?: string }> {
  const shards = await withRetry("reading the shards", () => ctx.registry.shardsOf(s.modelId), ctx.retry);
  const { ok, verified, problem } = await checkShardedSettlement({
    chainId: ctx.chainId,
    market: ctx.addresses.market,
    requestId: s.requestIds[0]!,
    output: s.outputs[0]!,
    inputCommitment,
    shardProofs: s.shardProofs ?? [],
    commitments: s.commitments ?? [],
    eventBinding: s.binding,
    shards: shards.map((sh) => ({
      weightsCommitment: BigInt(sh.weightsCommitment),
      verificationKey: vkeys.get(sh.circuitId),
    })),
    verify: (vk, signals, proof) => verifyProof(vk, signals, proof),
  });
  return problem === undefined ? { ok, verified } : { ok, verified, problem };
}

const eth = (wei: string | undefined) => (wei === undefined ? "" : (Number(BigInt(wei)) / 1e18).toFixed(4));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map(
      (r) =>
        "  " +
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join("  ")
          .trimEnd(),
    )
    .join("\n");
}

/**
 * A readable summary. `describe(request)` may add columns (e.g. the true label of an input and
 * the model's reading of the output), keyed by column title.
 */
export function formatAuditSummary(
  report: AuditReport,
  describe?: (r: RequestAudit) => Record<string, string>,
): string {
  const extra = report.requests.length > 0 && describe ? Object.keys(describe(report.requests[0]!)) : [];
  const rows = [["request", "status", ...extra, "escrow ETH", "payout ETH", "refund ETH", "slash ETH", "gas", "proof"]];
  for (const r of report.requests) {
    const more = describe ? describe(r) : {};
    rows.push([
      r.requestId,
      r.status,
      ...extra.map((k) => more[k] ?? ""),
      eth(r.escrow),
      eth(r.payout),
      eth(r.refunded),
      eth(r.slashed),
      r.fulfillGas ?? "",
      r.proofVerified === true
        ? "re-verified"
        : r.proofVerified === false
          ? "INVALID"
          : r.status === "Fulfilled"
            ? "no key"
            : "",
    ]);
  }
  const t = report.totals;
  const lines = [
    `audit of market ${report.market} on chain ${report.chainId}, blocks ${report.fromBlock}–${report.toBlock}`,
    table(rows),
    `  totals: ${t.requests} requests (${t.fulfilled} fulfilled, ${t.declined} declined, ${t.reclaimed} reclaimed, ${t.open} open); ` +
      `escrowed ${eth(t.escrowed)} ETH, paid ${eth(t.paidOut)} ETH + fees ${eth(t.fees)} ETH, refunded ${eth(t.refunded)} ETH, slashed ${eth(t.slashed)} ETH`,
    ...report.circuits.map(
      (c) =>
        `  circuit ${c.circuit ?? c.circuitId.slice(0, 10)}: verifier ${c.verifier.slice(0, 10)}… code ${c.codeOk === true ? "matches its zkey" : c.codeOk === false ? "DIFFERS from its zkey" : "unchecked (no local keys)"}${c.insecure ? ", INSECURE dev setup" : ""}`,
    ),
    ...report.warnings.map((w) => `  warning: ${w}`),
    ...report.problems.map((p) => `  PROBLEM: ${p}`),
    `  result: ${report.ok ? "OK — every settled proof re-verified, money balances" : `${report.problems.length} PROBLEM(S)`}`,
  ];
  return lines.join("\n");
}
