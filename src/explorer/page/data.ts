/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * What the page knows about the market, read from the chain through the explorer's read-only
 * JSON-RPC proxy: events from the registry's deployment block, then the current state (status of
 * each request, stakes, parameters). Requests are rebuilt from their `BountyPosted` events with the
 * SDK's own `requestFromEvent`.
 */
import { Contract, Interface, JsonRpcProvider, Network, type EventLog, type InterfaceAbi, type Log } from "ethers";

import { readClaims, type ClaimInfo } from "../../market/accuracy/claims.js";
import { REQUEST_STATUS, requestFromEvent, type PostedRequest } from "../../market/inference/settlements.js";
import {
  readDataset,
  readRetrievals,
  type DatasetInfo,
  type RetrievalHistory,
} from "../../market/retrieval/requests.js";
import type {
  AccuracyMarket,
  InferenceMarket,
  ModelRegistry,
  RetrievalMarket,
} from "../../../types/ethers-contracts/index.js";

export interface Config {
  chainId: string;
  market: string;
  registry: string;
  fromBlock: number;
  accuracy?: string;
  accuracyFromBlock?: number;
  retrieval?: string;
  retrievalFromBlock?: number;
  /** A public block explorer's transaction page, `{hash}` standing for the hash. */
  txUrl?: string;
  abis: {
    InferenceMarket: InterfaceAbi;
    ModelRegistry: InterfaceAbi;
    AccuracyMarket?: InterfaceAbi;
    RetrievalMarket?: InterfaceAbi;
  };
}

export interface CircuitRow {
  circuitId: string;
  verifier: string;
  verifierCodehash: string;
  zkeyHash: string;
  batchSize: number;
  numPublicSignals: number;
  dev: boolean;
  revoked: boolean;
}

export interface ModelRow {
  modelId: string;
  provider: string;
  circuitId: string;
  weightsCommitment: bigint;
  price: bigint;
  slashAmount: bigint;
  capacity: number;
  retired: boolean;
  openRequests: bigint;
  registeredAt: number;
  registerTx: string;
}

export interface RequestRow {
  id: bigint;
  request: PostedRequest;
  slashLocked: bigint;
  status: string;
  postedAt: number;
  postTx: string;
  postGas: bigint;
  /** For an open request: the deadline extended by the time spent paused (`deadlineOf`). */
  deadline: bigint;
  output?: bigint;
  provider?: string;
  payout?: bigint;
  fee?: bigint;
  binding?: bigint;
  circuitId?: string;
  settleTx?: string;
  settleGas?: bigint;
  settledAt?: number;
  refunded?: bigint;
  kept?: bigint;
  slashed?: bigint;
  closeTx?: string;
  closedAt?: number;
}

export interface StakeRow {
  provider: string;
  total: bigint;
  locked: bigint;
  unbonding: bigint;
  unbondingReadyAt: bigint;
  withdrawable: bigint;
}

/** One settling transaction: the gas of the whole transaction and how many requests it paid. */
export interface SettlementTx {
  txHash: string;
  requestIds: bigint[];
  gasUsed: bigint;
  at: number;
}

export interface Snapshot {
  block: number;
  /** Latest block timestamp, and the wall clock (ms) when it was read (for live countdowns). */
  chainTime: number;
  readAtMs: number;
  owner: string;
  paused: boolean;
  params: { minBounty: bigint; maxDeadlineWindow: bigint; unbondingDelay: bigint; protocolFeeBps: bigint };
  rejectShareBps: bigint;
  protocolFees: bigint;
  marketBalance: bigint;
  circuits: Map<string, CircuitRow>;
  models: ModelRow[];
  requests: RequestRow[];
  stakes: StakeRow[];
  settlements: SettlementTx[];
  events: { pauses: { at: number; paused: boolean; tx: string }[] };
  /** Accuracy claims with their challenge histories (empty without an accuracy market). */
  claims: ClaimInfo[];
  /** Retrieval requests with returned items and spot checks (empty without a retrieval market). */
  retrievals: RetrievalHistory[];
  datasets: Map<string, DatasetInfo>;
  /** Block timestamps read so far (block number → seconds). */
  times: Map<number, number>;
}

export interface Chain {
  config: Config;
  provider: JsonRpcProvider;
  market: InferenceMarket;
  registry: ModelRegistry;
  marketIface: Interface;
  accuracy?: AccuracyMarket;
  retrieval?: RetrievalMarket;
  /** Every contract's interface, to name the calls and events of a transaction. */
  ifaces: { name: string; address: string; iface: Interface }[];
}

export async function connect(): Promise<Chain> {
  const config = (await (await fetch("/api/config")).json()) as Config;
  const network = Network.from(BigInt(config.chainId));
  const provider = new JsonRpcProvider(`${location.origin}/rpc`, network, { staticNetwork: network });
  const market = new Contract(config.market, config.abis.InferenceMarket, provider) as unknown as InferenceMarket;
  const registry = new Contract(config.registry, config.abis.ModelRegistry, provider) as unknown as ModelRegistry;
  const accuracy =
    config.accuracy && config.abis.AccuracyMarket
      ? (new Contract(config.accuracy, config.abis.AccuracyMarket, provider) as unknown as AccuracyMarket)
      : undefined;
  const retrieval =
    config.retrieval && config.abis.RetrievalMarket
      ? (new Contract(config.retrieval, config.abis.RetrievalMarket, provider) as unknown as RetrievalMarket)
      : undefined;
  const ifaces = [
    { name: "Inference market", address: config.market, iface: new Interface(config.abis.InferenceMarket) },
    { name: "Model registry", address: config.registry, iface: new Interface(config.abis.ModelRegistry) },
    ...(accuracy
      ? [{ name: "Accuracy market", address: config.accuracy!, iface: new Interface(config.abis.AccuracyMarket!) }]
      : []),
    ...(retrieval
      ? [{ name: "Retrieval market", address: config.retrieval!, iface: new Interface(config.abis.RetrievalMarket!) }]
      : []),
  ];
  return {
    config,
    provider,
    market,
    registry,
    marketIface: new Interface(config.abis.InferenceMarket),
    ...(accuracy ? { accuracy } : {}),
    ...(retrieval ? { retrieval } : {}),
    ifaces,
  };
}

const bi = (v: unknown) => BigInt(v as bigint);
const times = new Map<number, number>();
const receipts = new Map<string, bigint>();

export async function readSnapshot(chain: Chain): Promise<Snapshot> {
  const { provider, market, registry, config } = chain;
  const from = config.fromBlock;
  const latest = await provider.getBlock("latest");
  const to = latest!.number;
  const q = (c: InferenceMarket | ModelRegistry, name: string) =>
    (c as unknown as Contract).queryFilter(name, from, to) as Promise<EventLog[]>;
  const [approved, registered, posted, fulfilled, declined, rejected, reclaimed, pausedEv, unpausedEv, deposits] =
    await Promise.all([
      q(registry, "CircuitApproved"),
      q(registry, "ModelRegistered"),
      q(market, "BountyPosted"),
      q(market, "RequestFulfilled"),
      q(market, "RequestDeclined"),
      q(market, "InputRejected"),
      q(market, "RequestReclaimed"),
      q(market, "Paused"),
      q(market, "Unpaused"),
      q(market, "StakeDeposited"),
    ]);
  // Block timestamps and receipts never change: read once for the page's life.
  const timeOf = async (n: number) => {
    if (!times.has(n)) times.set(n, (await provider.getBlock(n))!.timestamp);
    return times.get(n)!;
  };
  const allLogs: Log[] = [
    ...registered,
    ...posted,
    ...fulfilled,
    ...declined,
    ...rejected,
    ...reclaimed,
    ...pausedEv,
    ...unpausedEv,
  ];
  await Promise.all([...new Set(allLogs.map((l) => l.blockNumber))].map(timeOf));
  const gasOf = async (tx: string) => {
    if (!receipts.has(tx)) receipts.set(tx, (await provider.getTransactionReceipt(tx))?.gasUsed ?? 0n);
    return receipts.get(tx)!;
  };
  await Promise.all([...new Set([...posted, ...fulfilled].map((l) => l.transactionHash))].map(gasOf));

  const circuits = new Map<string, CircuitRow>();
  for (const log of approved) {
    const id = log.args.circuitId as string;
    const c = await registry.getCircuit(id);
    circuits.set(id, {
      circuitId: id,
      verifier: c.verifier,
      verifierCodehash: c.verifierCodehash,
      zkeyHash: c.zkeyHash,
      batchSize: Number(c.batchSize),
      numPublicSignals: Number(c.numPublicSignals),
      dev: Boolean(c.dev),
      revoked: Boolean(c.revoked),
    });
  }
  const models: ModelRow[] = [];
  for (const log of registered) {
    const id = log.args.modelId as string;
    const [m, open] = await Promise.all([registry.getModel(id), market.openRequestsOf(id)]);
    models.push({
      modelId: id,
      provider: m.provider,
      circuitId: m.circuitId,
      weightsCommitment: bi(m.weightsCommitment),
      price: bi(m.price),
      slashAmount: bi(m.slashAmount),
      capacity: Number(m.capacity),
      retired: Boolean(m.retired),
      openRequests: bi(open),
      registeredAt: times.get(log.blockNumber)!,
      registerTx: log.transactionHash,
    });
  }

  const requests = new Map<string, RequestRow>();
  for (const log of posted) {
    const request = requestFromEvent(log.args as never);
    requests.set(request.id.toString(), {
      id: request.id,
      request,
      slashLocked: bi(log.args.slashLocked),
      status: "Open",
      postedAt: times.get(log.blockNumber)!,
      postTx: log.transactionHash,
      postGas: receipts.get(log.transactionHash)!,
      deadline: request.deadline,
    });
  }
  const settlementTxs = new Map<string, SettlementTx>();
  for (const log of fulfilled) {
    const r = requests.get(bi(log.args.requestId).toString());
    const at = times.get(log.blockNumber)!;
    const s = settlementTxs.get(log.transactionHash) ?? {
      txHash: log.transactionHash,
      requestIds: [],
      gasUsed: receipts.get(log.transactionHash)!,
      at,
    };
    s.requestIds.push(bi(log.args.requestId));
    settlementTxs.set(log.transactionHash, s);
    if (!r) continue;
    Object.assign(r, {
      output: bi(log.args.output),
      provider: log.args.provider as string,
      payout: bi(log.args.payout),
      fee: bi(log.args.fee),
      binding: bi(log.args.binding),
      circuitId: log.args.circuitId as string,
      settleTx: log.transactionHash,
      settleGas: receipts.get(log.transactionHash)!,
      settledAt: at,
    });
  }
  const close = (log: EventLog, fields: Partial<RequestRow>) => {
    const r = requests.get(bi(log.args.requestId).toString());
    if (r) Object.assign(r, { closeTx: log.transactionHash, closedAt: times.get(log.blockNumber)!, ...fields });
  };
  for (const log of declined) close(log, { refunded: bi(log.args.refunded) });
  for (const log of rejected) close(log, { refunded: bi(log.args.refunded), kept: bi(log.args.kept) });
  for (const log of reclaimed) close(log, { refunded: bi(log.args.refunded), slashed: bi(log.args.slashed) });
  // The status is the contract's, not inferred from events.
  await Promise.all(
    [...requests.values()].map(async (r) => {
      r.status = REQUEST_STATUS[Number(await market.statusOf(r.id))] ?? "None";
      if (r.status === "Open") r.deadline = bi(await market.deadlineOf(r.request));
    }),
  );

  const providers = new Set<string>([
    ...models.map((m) => m.provider),
    ...deposits.map((d) => d.args.provider as string),
  ]);
  const stakes: StakeRow[] = await Promise.all(
    [...providers].map(async (p) => {
      const [s, w] = await Promise.all([market.stakeOf(p), market.withdrawable(p)]);
      return {
        provider: p,
        total: bi(s.total),
        locked: bi(s.locked),
        unbonding: bi(s.unbonding),
        unbondingReadyAt: bi(s.unbondingReadyAt),
        withdrawable: bi(w),
      };
    }),
  );
  const [owner, paused, params, rejectShareBps, protocolFees, marketBalance, claims, retrievals] = await Promise.all([
    market.owner(),
    market.paused(),
    market.params(),
    market.rejectShareBps(),
    market.protocolFees(),
    provider.getBalance(config.market),
    // The SDK's own reads (src/market/accuracy/claims.ts, src/market/retrieval/requests.ts).
    chain.accuracy
      ? readClaims(chain.accuracy, { fromBlock: config.accuracyFromBlock ?? from, toBlock: to, history: true })
      : Promise.resolve([]),
    chain.retrieval
      ? readRetrievals(chain.retrieval, { fromBlock: config.retrievalFromBlock ?? from, toBlock: to })
      : Promise.resolve([]),
  ]);
  const datasets = new Map<string, DatasetInfo>();
  for (const id of new Set(retrievals.map((r) => r.request.datasetId.toString()))) {
    const d = await readDataset(chain.retrieval!, BigInt(id), config.retrievalFromBlock ?? from);
    if (d) datasets.set(id, d);
  }
  const blocks = [
    ...claims.flatMap((c) => [
      c.postedBlock ?? 0,
      ...c.challenges.flatMap((x) => (x.history ?? []).map((h) => h.blockNumber)),
    ]),
    ...retrievals.flatMap((r) => [r.requestedBlock, ...(r.outcome ? [r.outcome.blockNumber] : [])]),
  ].filter((b) => b > 0);
  await Promise.all([...new Set(blocks)].map(timeOf));
  return {
    block: to,
    chainTime: Math.max(latest!.timestamp, Math.floor(Date.now() / 1000)),
    readAtMs: Date.now(),
    owner,
    paused,
    params: {
      minBounty: bi(params.minBounty),
      maxDeadlineWindow: bi(params.maxDeadlineWindow),
      unbondingDelay: bi(params.unbondingDelay),
      protocolFeeBps: bi(params.protocolFeeBps),
    },
    rejectShareBps: bi(rejectShareBps),
    protocolFees: bi(protocolFees),
    marketBalance,
    circuits,
    models,
    requests: [...requests.values()].sort((a, b) => Number(a.id - b.id)),
    stakes,
    settlements: [...settlementTxs.values()].sort((a, b) => a.at - b.at),
    events: {
      pauses: [...pausedEv.map((l) => ({ l, paused: true })), ...unpausedEv.map((l) => ({ l, paused: false }))]
        .map(({ l, paused: p }) => ({ at: times.get(l.blockNumber)!, paused: p, tx: l.transactionHash }))
        .sort((a, b) => a.at - b.at),
    },
    claims,
    retrievals,
    datasets,
    times,
  };
}
