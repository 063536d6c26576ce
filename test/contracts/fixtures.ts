/**
 * Shared fixtures for the contract tests: a ModelRegistry and an InferenceMarket with mock
 * verifiers, a staked provider and a registered model.
 *
 * Real-proof tests can reuse everything here by passing their own verifier to `buildMarketFixture`
 * (`verifiers: { 1: deployGenerated }`): the market only ever sees a verifier address taken from
 * the registry, so swapping the mock for the snarkjs-generated one changes nothing else.
 */
import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { AddressLike, BigNumberish, ContractTransactionResponse } from "ethers";
import type {
  InferenceMarket,
  ModelRegistry,
  MockVerifier3,
  MockVerifier5,
  MockVerifier9,
  MockVerifier33,
} from "../../types/ethers-contracts/index.js";
import type { IInferenceMarket, IMarketCore } from "../../types/ethers-contracts/InferenceMarket.js";
import type { ICircuitRegistry, IModelRegistry } from "../../types/ethers-contracts/ModelRegistry.js";
import { requestFromEvent } from "../../src/market/inference/settlements.js";

export const { ethers, networkHelpers } = await network.getOrCreate();

/** BN254 scalar field modulus r. */
export const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
export const MINUTE = 60n;
export const HOUR = 3600n;
export const DAY = 86_400n;

/** A non-zero proof: the mock verifiers accept it when their answer is true. */
export const PROOF: [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint] = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n];

export const BOUNDS: IMarketCore.MarketBoundsStruct = {
  minBountyFloor: 1n,
  minBountyCeiling: ethers.parseEther("1"),
  maxDeadlineWindowFloor: HOUR,
  maxDeadlineWindowCeiling: 30n * DAY,
  unbondingDelayFloor: HOUR,
  unbondingDelayCeiling: 30n * DAY,
  protocolFeeBpsCeiling: 500n,
};

export const PARAMS: IMarketCore.MarketParamsStruct = {
  minBounty: 1_000n,
  maxDeadlineWindow: 7n * DAY,
  unbondingDelay: 2n * DAY,
  protocolFeeBps: 100n,
};

export const PRICE = ethers.parseEther("0.01");
export const SLASH = ethers.parseEther("0.05");
export const STAKE = ethers.parseEther("1");
export const WINDOW = HOUR;
export const CAPACITY = 8n;
export const WEIGHTS_COMMITMENT = 0x1234_5678_9abc_def0n;
export const ARCH_HASH = ethers.id("arch:mnist-mlp-784-32-10");
export const ZKEY_HASH_K1 = ethers.id("zkey:k1");
export const ZKEY_HASH_K4 = ethers.id("zkey:k4");
export const TRANSCRIPT_HASH = ethers.id("transcript");
export const CIRCUIT_K1 = ethers.id("circuit:mnist-mlp:k1");
export const CIRCUIT_K4 = ethers.id("circuit:mnist-mlp:k4");
export const SALT = ethers.id("salt:model-1");

export enum Visibility {
  PrivateWeights = 0,
  PublicWeights = 1,
}

export enum RequestStatus {
  None = 0,
  Open = 1,
  Fulfilled = 2,
  Declined = 3,
  Reclaimed = 4,
}

export function circuitParams(
  verifier: string,
  batchSize: number,
  overrides: Partial<ICircuitRegistry.CircuitParamsStruct> = {},
): ICircuitRegistry.CircuitParamsStruct {
  return {
    verifier,
    batchSize,
    visibility: Visibility.PrivateWeights,
    dev: false,
    contributors: 3,
    zkeyHash: batchSize === 1 ? ZKEY_HASH_K1 : ethers.id(`zkey:k${batchSize}`),
    transcriptHash: TRANSCRIPT_HASH,
    beaconHash: ethers.ZeroHash,
    architectureHash: ARCH_HASH,
    ...overrides,
  };
}

export function modelParams(
  circuitId: string,
  overrides: Partial<IModelRegistry.ModelParamsStruct> = {},
): IModelRegistry.ModelParamsStruct {
  return {
    circuitId,
    batchCircuitIds: [],
    weightsCommitment: WEIGHTS_COMMITMENT,
    inputSpecHash: ethers.id("input:u8[784]"),
    price: PRICE,
    slashAmount: SLASH,
    responseWindow: WINDOW,
    capacity: CAPACITY,
    metadataURI: "ipfs://model-metadata",
    ...overrides,
  };
}

/** binding = uint256(keccak256(abi.encode(chainid, market, requestIds))) mod 2^221 — the spec, in TS. */
export function bindingOf(chainId: bigint, market: string, requestIds: bigint[]): bigint {
  const encoded = ethers.AbiCoder.defaultAbiCoder().encode(
    ["uint256", "address", "uint256[]"],
    [chainId, market, requestIds],
  );
  return BigInt(ethers.keccak256(encoded)) & ((1n << 221n) - 1n);
}

/** [weightsCommitment, binding << 32 | output_0, inputCommitment_0, …] — the spec, in TS. */
export function publicSignals(
  weightsCommitment: bigint,
  binding: bigint,
  outputs: bigint[],
  inputCommitments: bigint[],
): bigint[] {
  const signals = [weightsCommitment];
  outputs.forEach((output, i) => signals.push((binding << 32n) | output, inputCommitments[i]!));
  return signals;
}

type Signer = HardhatEthersSigner;

/** The first five signers: owner, provider, consumer, other, provider2. */
export async function signers(): Promise<[Signer, Signer, Signer, Signer, Signer]> {
  const all = await ethers.getSigners();
  const at = (i: number): Signer => {
    const s = all[i];
    if (s === undefined) throw new Error(`signer ${i} missing`);
    return s;
  };
  return [at(0), at(1), at(2), at(3), at(4)];
}

export async function latest(): Promise<bigint> {
  return BigInt(await networkHelpers.time.latest());
}

export type Verifiers = {
  k1: MockVerifier3;
  k2: MockVerifier5;
  k4: MockVerifier9;
  k16: MockVerifier33;
};

export type MarketFixture = Awaited<ReturnType<typeof baseFixture>>;

export interface FixtureOptions {
  /** ERC20 payment token address; ETH when absent. */
  token?: () => Promise<string>;
  /** Deploys the batch-size-1 verifier; a MockVerifier3 when absent. Use for real verifiers. */
  deployK1Verifier?: () => Promise<string>;
  /** Whether the primary circuit is a dev circuit (the registry then allows dev circuits). */
  devCircuit?: boolean;
  /** The model's weight commitment (public signal 0); WEIGHTS_COMMITMENT when absent. */
  weightsCommitment?: bigint;
  /** Link the market to the registry (its copy of posting terms); true when absent. */
  link?: boolean;
}

async function baseFixture(options: FixtureOptions = {}) {
  const [owner, provider, consumer, other, provider2] = await signers();
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const tokenAddress = options.token ? await options.token() : ZERO_ADDRESS;

  const registry: ModelRegistry = await ethers.deployContract("ModelRegistry", [owner.address, true]);
  const market: InferenceMarket = await ethers.deployContract("InferenceMarket", [
    await registry.getAddress(),
    tokenAddress,
    owner.address,
    BOUNDS,
    PARAMS,
  ]);
  // The registry tells the market of retirements and revocations, so the market keeps its own copy
  // of posting terms (issue 15); `link: false` leaves it asking the registry at every posting.
  if (options.link !== false) await registry.linkMarket(await market.getAddress());
  // Read-only conveniences kept out of the market (its code size): publicSignalsOf.
  const lens = await ethers.deployContract("InferenceMarketLens");
  const verifiers: Verifiers = {
    k1: await ethers.deployContract("MockVerifier3"),
    k2: await ethers.deployContract("MockVerifier5"),
    k4: await ethers.deployContract("MockVerifier9"),
    k16: await ethers.deployContract("MockVerifier33"),
  };
  const k1Verifier = options.deployK1Verifier ? await options.deployK1Verifier() : await verifiers.k1.getAddress();
  const dev = options.devCircuit ?? false;

  await registry.approveCircuit(CIRCUIT_K1, circuitParams(k1Verifier, 1, { dev }));
  await registry.approveCircuit(CIRCUIT_K4, circuitParams(await verifiers.k4.getAddress(), 4, { dev }));

  const modelId = await registry.modelIdOf(provider.address, SALT);
  await registry.connect(provider).registerModel(
    SALT,
    modelParams(CIRCUIT_K1, {
      batchCircuitIds: [CIRCUIT_K4],
      weightsCommitment: options.weightsCommitment ?? WEIGHTS_COMMITMENT,
    }),
  );

  return {
    ethers,
    networkHelpers,
    chainId,
    owner,
    provider,
    consumer,
    other,
    provider2,
    registry,
    market,
    marketAddress: await market.getAddress(),
    lens,
    verifiers,
    k1Verifier,
    modelId,
    tokenAddress,
  };
}

/**
 * Builds a fixture function for `loadFixture` (it must be the same function object each time, so
 * build it once at module level). In ETH mode the provider has STAKE staked.
 */
export function buildMarketFixture(options: FixtureOptions = {}) {
  return async function marketFixture() {
    const f = await baseFixture(options);
    if (f.tokenAddress === ZERO_ADDRESS) {
      await f.market.connect(f.provider).depositStake(STAKE, { value: STAKE });
    }
    return f;
  };
}

/** The default fixture: ETH, mock verifiers, staked provider, model with k = 1 and k = 4 circuits. */
export const marketFixture = buildMarketFixture();

/**
 * The default fixture in an ERC20 (MockERC20): every signer holds and has approved 100 × STAKE, and
 * the provider has STAKE staked. The behaviour suites run under this and `marketFixture`.
 */
export async function erc20MarketFixture() {
  const f = await baseFixture({ token: async () => (await ethers.deployContract("MockERC20")).getAddress() });
  const token = await ethers.getContractAt("MockERC20", f.tokenAddress);
  for (const s of [f.provider, f.consumer, f.other, f.provider2]) {
    await token.mint(s.address, 100n * STAKE);
    await token.connect(s).approve(f.marketAddress, ethers.MaxUint256);
  }
  await f.market.connect(f.provider).depositStake(STAKE);
  return f;
}

export interface PostOptions {
  inputCommitment?: bigint;
  input?: string;
  deadline?: bigint;
  amount?: bigint;
  value?: bigint;
  from?: HardhatEthersSigner;
  modelId?: string;
}

export type PostedRequest = IInferenceMarket.RequestStruct;

/**
 * The request posted under `id`, rebuilt from its BountyPosted event (the market stores only its
 * hash and takes it back in calldata). For an id never posted: a request with that id and zero
 * fields, which the market refuses with Market__RequestNotOpen(id, None).
 */
export async function requestOf(
  market: Pick<InferenceMarket, "queryFilter" | "filters">,
  id: BigNumberish,
): Promise<PostedRequest> {
  const logs = await market.queryFilter(market.filters.BountyPosted(id));
  const a = logs[0]?.args;
  if (!a)
    return {
      id,
      consumer: ZERO_ADDRESS,
      modelId: ethers.ZeroHash,
      inputCommitment: 0n,
      escrow: 0n,
      deadline: 0n,
      pauseEpoch: 0n,
      feeBps: 0n,
      rejectBps: 0n,
    };
  return requestFromEvent(a);
}

/** `requestOf` for each id, in order. */
export function requestsOf(
  market: Pick<InferenceMarket, "queryFilter" | "filters">,
  ids: readonly BigNumberish[],
): Promise<PostedRequest[]> {
  return Promise.all(ids.map((id) => requestOf(market, id)));
}

/** Posts a bounty (ETH mode by default) and returns its id and deadline. */
export async function post(
  f: MarketFixture,
  opts: PostOptions = {},
): Promise<{ requestId: bigint; deadline: bigint; tx: ContractTransactionResponse }> {
  const requestId = await f.market.nextRequestId();
  let deadline = opts.deadline;
  if (deadline === undefined) {
    // Pin the posting block's time: after a fixture revert the chain's next timestamp follows the
    // wall clock, which may be well past the last block's after a long test run.
    const next = (await latest()) + 1n;
    await networkHelpers.time.setNextBlockTimestamp(next);
    deadline = next + WINDOW + 10n;
  }
  const amount = opts.amount ?? PRICE;
  const value = opts.value ?? (f.tokenAddress === ZERO_ADDRESS ? amount : 0n);
  const tx = await f.market
    .connect(opts.from ?? f.consumer)
    .postBounty(
      opts.modelId ?? f.modelId,
      opts.inputCommitment ?? 1000n + requestId,
      opts.input ?? "0x0102",
      deadline,
      amount,
      { value },
    );
  return { requestId, deadline, tx };
}

export async function postMany(f: MarketFixture, n: number, opts: PostOptions = {}): Promise<bigint[]> {
  const ids: bigint[] = [];
  for (let i = 0; i < n; i++) ids.push((await post(f, opts)).requestId);
  return ids;
}

export async function ethBalance(address: AddressLike): Promise<bigint> {
  return ethers.provider.getBalance(await ethers.resolveAddress(address));
}

/** Balance of `address` in the market's payment asset (ETH or its ERC20). */
export async function assetBalance(f: MarketFixture, address: AddressLike): Promise<bigint> {
  if (f.tokenAddress === ZERO_ADDRESS) return ethBalance(address);
  const token = await ethers.getContractAt("MockERC20", f.tokenAddress);
  return token.balanceOf(await ethers.resolveAddress(address));
}

/**
 * Σ escrow of open requests + Σ stake.total + Σ pull balances + protocol fees (swept, and
 * accrued per model), over the given
 * accounts (every account that ever held money in the test).
 */
export async function accounted(f: MarketFixture, accounts: AddressLike[]): Promise<bigint> {
  let sum = await f.market.protocolFees();
  const next = await f.market.nextRequestId();
  const models = new Set<string>();
  for (let id = 1n; id < next; id++) {
    const r = await requestOf(f.market, id);
    models.add(String(r.modelId));
    if (Number(await f.market.statusOf(id)) === RequestStatus.Open) sum += BigInt(r.escrow);
  }
  for (const m of models) sum += await f.market.accruedFeesOf(m); // fees accrue lazily per model
  for (const a of accounts) {
    const address = await ethers.resolveAddress(a);
    sum += (await f.market.stakeOf(address)).total;
    sum += await f.market.withdrawable(address);
  }
  return sum;
}

export type { BigNumberish };
