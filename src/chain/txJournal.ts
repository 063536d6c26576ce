/**
 * The signed-transaction journal every agent sends through: sign, journal, broadcast, wait,
 * resend. A transaction is signed first and its hash and signed bytes are written (atomically,
 * to one file per thing it answers) BEFORE it is broadcast, and a resend sends the same bytes:
 * after an RPC failure or a restart the journaled transaction is awaited or rebroadcast, never
 * replaced by a second one. Signing is serialized, so concurrent sends never take the same nonce.
 */
import { readFile, rm } from "node:fs/promises";
import { Transaction, type ContractTransaction, type Provider, type Signer, type TransactionReceipt } from "ethers";

import { writeJsonAtomic } from "../util/fs.js";
import { ChainError } from "./errors.js";
import { broadcastOnce, isTransientRpcError, withRetry, type RetryOptions } from "./retry.js";

export interface JournalEntry {
  txHash: string;
  /** The signed transaction, for a resend with the same bytes (absent if the signer cannot sign offline). */
  raw?: string;
  /** What the transaction does ("fulfill", "decline", …). */
  what: string;
  /** The ids it answers (request ids), as decimal strings. */
  requestIds: string[];
  sentAt: string;
}

/** An RPC outage (retry later) rather than a refusal by the node or the contract. */
export function isRpcOutage(err: unknown): boolean {
  return isTransientRpcError(err) || (err as { code?: string } | null)?.code === "RPC_UNAVAILABLE";
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class TxJournal {
  private lock: Promise<void> = Promise.resolve();

  constructor(
    private readonly provider: Provider,
    private readonly signer: Signer,
    private readonly retry: RetryOptions = {},
    private readonly pollMs = 250,
  ) {}

  /**
   * Signs `tx`, journals it in every file of `files`, then broadcasts it (transport failures
   * retried with the same bytes). A revert while populating (estimateGas replays the call) is
   * passed to `onRevert` and nothing is sent. Returns the journal entry.
   */
  async send(
    files: readonly string[],
    meta: { what: string; requestIds: readonly bigint[] },
    tx: ContractTransaction,
    onRevert: (err: unknown) => Error,
  ): Promise<JournalEntry> {
    const previous = this.lock;
    let release!: () => void;
    this.lock = new Promise<void>((r) => (release = r));
    await previous;
    try {
      let populated;
      try {
        populated = await this.signer.populateTransaction(tx);
      } catch (err) {
        if (isRpcOutage(err)) throw err;
        throw onRevert(err);
      }
      let raw: string | undefined;
      try {
        raw = await this.signer.signTransaction(populated);
      } catch {
        raw = undefined; // a signer that cannot sign offline: send it and journal the hash
      }
      const entry: JournalEntry = {
        txHash: raw ? Transaction.from(raw).hash! : "",
        ...(raw ? { raw } : {}),
        what: meta.what,
        requestIds: meta.requestIds.map(String),
        sentAt: new Date().toISOString(),
      };
      if (raw) {
        await this.write(files, entry);
        try {
          await broadcastOnce(this.provider, raw, this.retry);
        } catch (err) {
          // Refused by the node (not an outage): nothing was sent, nothing to await.
          if (!isRpcOutage(err)) await this.clear(files);
          throw err;
        }
      } else {
        const sent = await this.signer.sendTransaction(populated);
        entry.txHash = sent.hash;
        await this.write(files, entry);
      }
      return entry;
    } finally {
      release();
    }
  }

  async write(files: readonly string[], entry: JournalEntry): Promise<void> {
    for (const f of files) await writeJsonAtomic(f, entry);
  }

  async clear(files: readonly string[]): Promise<void> {
    for (const f of files) await rm(f, { force: true });
  }

  /** The entry in `file`, or null (an unreadable file is removed). */
  async read(file: string): Promise<JournalEntry | null> {
    try {
      return JSON.parse(await readFile(file, "utf8")) as JournalEntry;
    } catch {
      await rm(file, { force: true });
      return null;
    }
  }

  /** Whether the node knows the journaled transaction. */
  async known(entry: JournalEntry): Promise<boolean> {
    if (!entry.txHash) return false;
    return !!(await withRetry(
      "reading a journaled transaction",
      () => this.provider.getTransaction(entry.txHash),
      this.retry,
    ));
  }

  /**
   * Rebroadcasts the signed bytes of a transaction the node forgot; true if the node knows it
   * afterwards. False when its nonce was used by another transaction (it can never be mined).
   */
  async resend(entry: JournalEntry): Promise<boolean> {
    if (!entry.raw) return false;
    try {
      await broadcastOnce(this.provider, entry.raw, this.retry);
      return !!(await this.provider.getTransaction(entry.txHash));
    } catch (err) {
      if (isRpcOutage(err)) throw err;
      return false;
    }
  }

  /**
   * Waits for a sent transaction's receipt, rebroadcasting its signed bytes if the node forgot
   * it; gives up (leaving the journal) after `timeoutMs`.
   */
  async waitMined(entry: JournalEntry, timeoutMs = 10 * 60_000): Promise<TransactionReceipt> {
    const until = Date.now() + timeoutMs;
    for (let n = 1; ; n++) {
      const r = await withRetry(
        `reading the receipt of ${entry.txHash.slice(0, 12)}…`,
        () => this.provider.getTransactionReceipt(entry.txHash),
        this.retry,
      );
      if (r) return r;
      if (Date.now() > until)
        throw new ChainError("TIMEOUT", `transaction ${entry.txHash} not mined after ${timeoutMs / 1000} s`);
      if (n % 40 === 0 && entry.raw && !(await this.known(entry)))
        await broadcastOnce(this.provider, entry.raw, this.retry);
      await sleep(this.pollMs);
    }
  }
}
