/**
 * The dev setup's beacon, computed the way `snarkjs zkey beacon` computes it, without touching
 * the key's points.
 *
 * A beacon contribution is a phase 2 contribution whose secret δ comes from public randomness:
 * `rng = ChaCha(sha256^(2^iterationsExp)(beaconHash))`, δ = Fr.fromRng(rng), then a proof of
 * knowledge of δ (g1_s from the same rng, g1_sx = δ·g1_s, g2_sp hashed from the transcript,
 * g2_spx = δ·g2_sp). Applying it multiplies [δ]₁ [δ]₂ of the header by δ and the C (L) and H
 * points by δ⁻¹, then appends the contribution to section 10. snarkjs does the multiplication
 * point by point over the written key (minutes for an MNIST circuit); generateDevZkey instead
 * divides the scalars of those points by δ before they become points, and asks this module
 * only for δ and for the section 10 record, which are the same bytes snarkjs writes.
 *
 * The curve operations (a handful) run in ffjavascript's bn128, the library snarkjs uses, so the
 * randomness-to-point conversions are the same code, not a re-implementation.
 */
import { createHash } from "node:crypto";

import { requireArg } from "../errors.js";
import { concat, u32le } from "../binfile.js";

export interface DevBeacon {
  /** Contribution name recorded in the key (snarkjs keeps the first 64 characters). */
  name: string;
  /** Public randomness, hex (1 to 255 bytes), as `snarkjs zkey beacon` takes it. */
  hash: string;
  /** sha256 iterations = 2^iterationsExp (10 to 63, snarkjs's bounds). */
  iterationsExp: number;
}

export interface BeaconKey {
  /** δ as an integer in [1, r). */
  delta: bigint;
  /** [δ]₁ and [δ]₂, affine Montgomery (the zkey header's vk_delta_1, vk_delta_2). */
  delta1: Uint8Array;
  delta2: Uint8Array;
  /** Bytes of the contribution record `finish` returns (known before the circuit hash is). */
  recordBytes: number;
  /**
   * Completes the contribution once the circuit hash is known: the record to append to section
   * 10 (after the circuit hash and the count) and snarkjs's contribution hash (what `zkey
   * beacon` returns and `zkey verify` prints).
   */
  finish(csHash: Uint8Array): { record: Uint8Array; contributionHash: Uint8Array };
  close(): Promise<void>;
}

// ---- ffjavascript (no type declarations ship with it) -----------------------------------------

type Point = Uint8Array;
interface FfGroup {
  g: Point;
  F: { n8: number };
  fromRng(rng: unknown): Point;
  timesFr(p: Point, s: Uint8Array): Point;
  toAffine(p: Point): Point;
  toRprLEM(buf: Uint8Array, offset: number, p: Point): void;
  toRprUncompressed(buf: Uint8Array, offset: number, p: Point): void;
}
interface FfCurve {
  Fr: { fromRng(rng: unknown): Uint8Array; toObject(a: Uint8Array): bigint };
  G1: FfGroup;
  G2: FfGroup;
  terminate(): Promise<void>;
}
interface FfModule {
  buildBn128(singleThread?: boolean): Promise<FfCurve>;
  ChaCha: new (seed: number[]) => unknown;
}

async function loadFf(): Promise<FfModule> {
  const specifier: string = "ffjavascript";
  return (await import(specifier)) as FfModule;
}

/** ChaCha seeded with 8 big-endian u32 words of `bytes` (snarkjs's rngFromBeaconParams, hashToG2). */
function chachaFrom(ff: FfModule, bytes: Uint8Array): unknown {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const seed: number[] = [];
  for (let i = 0; i < 8; i++) seed.push(dv.getUint32(i * 4, false));
  return new ff.ChaCha(seed);
}

export function checkDevBeacon(beacon: DevBeacon): void {
  requireArg(typeof beacon === "object" && beacon !== null, "beacon", "must be an object");
  requireArg(typeof beacon.name === "string", "beacon.name", "must be a string");
  requireArg(
    typeof beacon.hash === "string" && /^(?:[0-9a-fA-F]{2}){1,255}$/.test(beacon.hash),
    "beacon.hash",
    "must be 1 to 255 bytes of hex",
  );
  requireArg(
    Number.isInteger(beacon.iterationsExp) && beacon.iterationsExp >= 10 && beacon.iterationsExp <= 63,
    "beacon.iterationsExp",
    "must be an integer from 10 to 63",
  );
}

/** The contribution's parameters as snarkjs writes them (zkey_utils.js, writeContribution). */
function beaconParams(beacon: DevBeacon, hash: Uint8Array): Uint8Array {
  const params: number[] = [];
  if (beacon.name) {
    const name = new TextEncoder().encode(beacon.name.substring(0, 64));
    params.push(1, name.byteLength, ...name);
  }
  params.push(2, beacon.iterationsExp, 3, hash.byteLength, ...hash);
  return concat([u32le(params.length), new Uint8Array(params)]);
}

/**
 * δ and the proof-of-knowledge points of the beacon, as `snarkjs zkey beacon` derives them
 * (zkey_beacon.js) for a key with no earlier contribution.
 */
export async function deriveBeaconKey(beacon: DevBeacon): Promise<BeaconKey> {
  checkDevBeacon(beacon);
  const ff = await loadFf();
  const curve = await ff.buildBn128(true);
  const { G1, G2 } = curve;
  const hash = Uint8Array.from(Buffer.from(beacon.hash, "hex"));
  let cur: Uint8Array = hash;
  const iterations = 2 ** beacon.iterationsExp;
  for (let i = 0; i < iterations; i++) cur = createHash("sha256").update(cur).digest();
  const rng = chachaFrom(ff, cur);

  const prvKey = curve.Fr.fromRng(rng);
  const g1s = G1.toAffine(G1.fromRng(rng));
  const g1sx = G1.toAffine(G1.timesFr(g1s, prvKey));
  const deltaAfter = G1.toAffine(G1.timesFr(G1.g, prvKey));
  const lem = (G: FfGroup, p: Point): Uint8Array => {
    const b = new Uint8Array(G.F.n8 * 2);
    G.toRprLEM(b, 0, p);
    return b;
  };
  const unc = (G: FfGroup, p: Point): Uint8Array => {
    const b = new Uint8Array(G.F.n8 * 2);
    G.toRprUncompressed(b, 0, p);
    return b;
  };
  const params = beaconParams(beacon, hash);
  const delta2 = lem(G2, G2.toAffine(G2.timesFr(G2.g, prvKey)));
  const delta = curve.Fr.toObject(prvKey);
  let closed = false;
  return {
    delta,
    delta1: lem(G1, deltaAfter),
    delta2,
    recordBytes: 3 * 64 + 128 + 64 + 4 + params.length,
    finish(csHash) {
      if (closed) throw new Error("beacon key already closed");
      const transcript = createHash("blake2b512").update(csHash).update(unc(G1, g1s)).update(unc(G1, g1sx)).digest();
      const g2sp = G2.fromRng(chachaFrom(ff, transcript));
      const g2spx = G2.toAffine(G2.timesFr(g2sp, prvKey));
      const contributionHash = createHash("blake2b512")
        .update(unc(G1, deltaAfter))
        .update(unc(G1, g1s))
        .update(unc(G1, g1sx))
        .update(unc(G2, g2spx))
        .update(transcript)
        .digest();
      const record = concat([
        lem(G1, deltaAfter),
        lem(G1, g1s),
        lem(G1, g1sx),
        lem(G2, g2spx),
        transcript,
        u32le(1), // type 1: beacon
        params,
      ]);
      return { record, contributionHash: new Uint8Array(contributionHash) };
    },
    async close() {
      if (closed) return;
      closed = true;
      await curve.terminate();
    },
  };
}
