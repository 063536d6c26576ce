/** The retrieval provider: register data sets, manage collateral (requests are served by RetrievalAgent). */
import { requireSigner } from "../context.js";
import { badArgument, txError } from "../errors.js";
import type { RetrievalContext } from "./market.js";
import { parseRetrievalLog, withdrawRetrievalBalance } from "./reads.js";

export interface DatasetTerms {
  /** Base price of a request. */
  price: bigint;
  /** Added per spot-check sample a request fixes (default 0). */
  pricePerSample?: bigint;
  /** Added per item a request may receive (default 0). */
  pricePerItem?: bigint;
  /** Most spot-check samples one request may ask (default: the data set's size, i.e. no bound). */
  maxSamples?: number;
  collateral: bigint;
  responseWindow: bigint;
  capacity: number;
}

/** The provider role: register data sets, manage collateral. Requests are served by RetrievalAgent. */
export class RetrievalProvider {
  constructor(readonly ctx: RetrievalContext) {
    if (!ctx?.market) throw badArgument("ctx", "expected a RetrievalContext (connectRetrieval)");
  }

  /**
   * Registers a data set (its root computed by the caller with commitDataset, checked here
   * against `metadataURI` when that is a readable data set file) and deposits `deposit`.
   */
  async registerDataset(opts: {
    modelId: string;
    auditCircuitId: string;
    root: bigint;
    size: number;
    terms: DatasetTerms;
    metadataURI: string;
    deposit?: bigint;
  }): Promise<bigint> {
    requireSigner(this.ctx, "registering a data set");
    const t = opts.terms;
    for (const k of ["price", "collateral", "responseWindow"] as const)
      if (typeof t?.[k] !== "bigint" || t[k] <= 0n) throw badArgument(`terms.${k}`, "expected a positive bigint");
    if (!Number.isInteger(t.capacity) || t.capacity < 1)
      throw badArgument("terms.capacity", "expected a positive integer");
    if (!Number.isInteger(opts.size) || opts.size < 1) throw badArgument("size", "expected a positive integer");
    for (const k of ["pricePerSample", "pricePerItem"] as const)
      if (t[k] !== undefined && (typeof t[k] !== "bigint" || t[k] < 0n || t[k] >= 1n << 96n))
        throw badArgument(`terms.${k}`, "expected a non-negative bigint below 2^96 (wei)");
    const maxSamples = t.maxSamples ?? opts.size;
    if (!Number.isInteger(maxSamples) || maxSamples < 1 || maxSamples > 0xffffffff)
      throw badArgument("terms.maxSamples", `expected a positive integer, got ${String(t.maxSamples)}`);
    let receipt;
    try {
      receipt = await (
        await this.ctx.market.registerDataset(
          {
            modelId: opts.modelId,
            auditCircuitId: opts.auditCircuitId,
            root: opts.root,
            size: opts.size,
            price: t.price,
            collateral: t.collateral,
            responseWindow: t.responseWindow,
            capacity: t.capacity,
            pricePerSample: t.pricePerSample ?? 0n,
            pricePerItem: t.pricePerItem ?? 0n,
            maxSamples,
            metadataURI: opts.metadataURI,
          },
          { value: opts.deposit ?? 0n },
        )
      ).wait();
    } catch (err) {
      throw txError("registering the data set", err);
    }
    const ev = receipt!.logs.map((l) => parseRetrievalLog(this.ctx, l)).find((e) => e?.name === "DatasetRegistered");
    const id = BigInt(ev!.args.datasetId);
    this.ctx.say(
      `data set ${id} registered (${opts.size} items, root 0x${opts.root.toString(16).padStart(64, "0").slice(0, 12)}…)`,
    );
    return id;
  }

  async depositCollateral(amount: bigint): Promise<bigint> {
    requireSigner(this.ctx, "depositing collateral");
    if (typeof amount !== "bigint" || amount <= 0n) throw badArgument("amount", "expected a positive bigint (wei)");
    try {
      await (await this.ctx.market.depositCollateral({ value: amount })).wait();
    } catch (err) {
      throw txError("depositing collateral", err);
    }
    return BigInt((await this.ctx.market.collateralOf(await this.ctx.signer!.getAddress())).total);
  }

  /** Moves free collateral to the pull balance and withdraws the whole balance (payouts included). */
  async withdraw(collateral = 0n): Promise<{ amount: bigint; txHash: string | null }> {
    requireSigner(this.ctx, "withdrawing");
    if (collateral > 0n) {
      try {
        await (await this.ctx.market.withdrawCollateral(collateral)).wait();
      } catch (err) {
        throw txError("withdrawing collateral", err);
      }
    }
    return withdrawRetrievalBalance(this.ctx);
  }

  async collateral(): Promise<{ total: bigint; locked: bigint; balance: bigint }> {
    const me = await requireSigner(this.ctx, "reading collateral").getAddress();
    const c = await this.ctx.market.collateralOf(me);
    return {
      total: BigInt(c.total),
      locked: BigInt(c.locked),
      balance: BigInt(await this.ctx.market.withdrawable(me)),
    };
  }
}
