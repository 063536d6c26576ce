import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import * as snarkjs from "snarkjs";

import { buildAtomically, sha256File, sha256Hex } from "./cache.js";
import type { CompiledCircuit } from "./circom.js";
import { ZkError } from "./errors.js";
import { readPtauInfo, requiredPtauPower } from "./ptauInfo.js";
import { generateDevZkey } from "./zkey/devZkey.js";

/**
 * Groth16 needs a circuit-specific trusted setup. Whoever knows its secret (the "toxic waste")
 * can forge proofs, so how a setup was made is recorded in every artifact manifest:
 *
 * - `dev`: powers of tau generated from a *known* seed (see ptau/devPtau.ts) and a phase 2 with
 *   a single deterministic beacon. Fast and reproducible, and **insecure**: anyone can forge
 *   proofs. For local chains and tests only. The beacon keeps a dev key shaped like a finished
 *   ceremony key (δ ≠ γ, one contribution in the key, a beacon hash for the registry); as every
 *   secret is known, the keys are computed with it in one pass (zkey/devZkey.ts).
 * - `ceremony`: an imported public powers of tau (checked with snarkjs before use) plus a
 *   multi-party phase 2 in which each party contributes in turn, closed by a public beacon. Sound
 *   as long as one contributor destroyed its secret.
 */
export type SetupMode = "dev" | "ceremony";

export interface Contribution {
  /** Who contributed (free text the contributor chose), or "beacon". */
  name: string;
  /** snarkjs's contribution hash (printed to the contributor, who can check it in the final zkey). */
  contributionHash: string;
  /** sha256 of the zkey after this contribution. */
  zkeySha256: string;
  at: string;
}

export interface SetupManifest {
  format: "zkinfer-setup";
  version: 1;
  circuit: string;
  circuitSourceHash: string;
  r1csSha256: string;
  mode: SetupMode;
  /** True for dev setups: the secret is public, anyone can forge proofs. */
  insecure: boolean;
  /** sha256 is null for dev setups: their keys are computed from the seed, no ptau file exists. */
  ptau: { power: number; sha256: string | null; origin: string };
  contributions: Contribution[];
  beacon: { hash: string; iterationsExp: number } | null;
  zkeySha256: string;
  verificationKeySha256: string;
  constraints: number;
  publicSignals: number;
  createdAt: string;
}

export interface SetupArtifacts {
  dir: string;
  zkey: string;
  verificationKey: string;
  manifest: SetupManifest;
}

export interface DevSetupOptions {
  compiled: CompiledCircuit;
  cacheDir: string;
  /** Seed of the known secrets; the same seed gives the same keys. Default "zkinfer-dev". */
  seed?: string;
  /** Use at least this ptau power (default: the smallest that fits the circuit). */
  minPower?: number;
  onProgress?: (message: string) => void;
}

const DEV_BEACON_ITERATIONS_EXP = 10;

/**
 * A logger for snarkjs that keeps its last error (snarkjs reports many failures by logging and
 * returning a sentinel); its step-by-step chatter is dropped, our own progress lines say more.
 */
function snarkLogger(): unknown {
  let lastError = "";
  const logger = {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: (m: string) => {
      lastError = m;
    },
    get lastError() {
      return lastError;
    },
  };
  return logger;
}

async function sha256Json(file: string): Promise<string> {
  return sha256Hex(await readFile(file));
}

/**
 * Dev (insecure) setup for a compiled circuit: the `zkey new` of the dev ptau of the right power
 * followed by a deterministic beacon, computed in one pass straight from the seed's secrets
 * (zkey/devZkey.ts: the bytes snarkjs's `zkey new` + `zkey beacon` would write, with no ptau
 * file and no pass over the key) → verification key. Cached by (r1cs, seed, power).
 */
export async function devSetup(opts: DevSetupOptions): Promise<SetupArtifacts> {
  const { compiled, cacheDir } = opts;
  const seed = opts.seed ?? "zkinfer-dev";
  const say = opts.onProgress ?? (() => {});
  const power = Math.max(requiredPtauPower(compiled.info.constraints, compiled.info.publicSignals), opts.minPower ?? 0);
  const r1csSha256 = await sha256File(compiled.r1cs);
  const key = sha256Hex(`dev\n${r1csSha256}\n${seed}\n${power}`).slice(0, 16);
  const dir = path.join(path.resolve(cacheDir), "setups", `${compiled.name}-dev-${key}`);
  const artifacts = (manifest: SetupManifest): SetupArtifacts => ({
    dir,
    zkey: path.join(dir, `${compiled.name}.zkey`),
    verificationKey: path.join(dir, "verification_key.json"),
    manifest,
  });
  if (existsSync(path.join(dir, "manifest.json"))) {
    const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as SetupManifest;
    say(`setup ${compiled.name}: cached dev keys (INSECURE, ${manifest.zkeySha256.slice(0, 12)}…)`);
    return artifacts(manifest);
  }

  await mkdir(path.dirname(dir), { recursive: true });
  const started = Date.now();
  await buildAtomically(dir, async (tmp) => {
    const zkey = path.join(tmp, `${compiled.name}.zkey`);
    const beaconHash = sha256Hex(`zkinfer dev beacon\n${seed}`);
    say(
      `setup ${compiled.name}: Groth16 keys for ${compiled.info.constraints} constraints (dev ptau 2^${power}, dev beacon applied in the same pass)…`,
    );
    const { contributionHash } = await generateDevZkey({
      r1cs: compiled.r1cs,
      seed,
      power,
      outFile: zkey,
      onProgress: say,
      beacon: { name: "zkinfer dev beacon", hash: beaconHash, iterationsExp: DEV_BEACON_ITERATIONS_EXP },
    });
    if (!contributionHash) throw new ZkError("SETUP_FAILED", `dev beacon failed for ${compiled.name}`);
    say(`setup ${compiled.name}: exporting the verification key…`);
    const vkey = await snarkjs.zKey.exportVerificationKey(zkey);
    await writeFile(path.join(tmp, "verification_key.json"), JSON.stringify(vkey, null, 1));
    const manifest: SetupManifest = {
      format: "zkinfer-setup",
      version: 1,
      circuit: compiled.name,
      circuitSourceHash: compiled.sourceHash,
      r1csSha256,
      mode: "dev",
      insecure: true,
      // No ptau file is made any more (devPtau(power, seed) rebuilds the one these keys stand for).
      ptau: {
        power,
        sha256: null,
        origin: `dev seed sha256:${sha256Hex(seed)} (keys computed directly, no ptau file)`,
      },
      contributions: [
        {
          name: "beacon",
          contributionHash: bytesToHex(contributionHash),
          zkeySha256: await sha256File(zkey),
          at: new Date().toISOString(),
        },
      ],
      beacon: { hash: beaconHash, iterationsExp: DEV_BEACON_ITERATIONS_EXP },
      zkeySha256: await sha256File(zkey),
      verificationKeySha256: await sha256Json(path.join(tmp, "verification_key.json")),
      constraints: compiled.info.constraints,
      publicSignals: compiled.info.publicSignals,
      createdAt: new Date().toISOString(),
    };
    await writeFile(path.join(tmp, "manifest.json"), JSON.stringify(manifest, null, 2));
  });
  const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as SetupManifest;
  say(
    `setup ${compiled.name}: dev keys ready in ${((Date.now() - started) / 1000).toFixed(1)} s (INSECURE: for local chains only)`,
  );
  return artifacts(manifest);
}

/** `groth16 setup` with the size and preparation of the ptau checked first, in words. */
async function newZkey(
  compiled: CompiledCircuit,
  ptau: string,
  zkeyOut: string,
  say: (m: string) => void,
): Promise<void> {
  const info = await readPtauInfo(ptau);
  const needed = requiredPtauPower(compiled.info.constraints, compiled.info.publicSignals);
  if (info.power < needed) {
    throw new ZkError(
      "PTAU_TOO_SMALL",
      `powers of tau ${path.basename(ptau)} holds 2^${info.power} but circuit ${compiled.name} (${compiled.info.constraints} constraints + ${compiled.info.publicSignals} public signals) needs 2^${needed}: use a ptau of power ≥ ${needed}`,
    );
  }
  if (!info.prepared) {
    throw new ZkError(
      "PTAU_INVALID",
      `powers of tau ${path.basename(ptau)} is not prepared for phase 2 (no Lagrange sections): import it with zkinfer so it is prepared first`,
    );
  }
  say(`setup ${compiled.name}: Groth16 keys for ${compiled.info.constraints} constraints (ptau 2^${info.power})…`);
  const logger = snarkLogger() as { lastError: string };
  const res = (await snarkjs.zKey.newZKey(compiled.r1cs, ptau, zkeyOut, logger)) as unknown;
  if (res === -1 || !existsSync(zkeyOut)) {
    throw new ZkError(
      "SETUP_FAILED",
      `groth16 setup failed for ${compiled.name}: ${logger.lastError || "unknown error"}`,
    );
  }
}

function bytesToHex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

// ---------------------------------------------------------------------------------------------
// Ceremony mode: imported ptau + multi-party phase 2.
// ---------------------------------------------------------------------------------------------

export interface ImportedPtau {
  file: string;
  power: number;
  sha256: string;
}

/**
 * Checks a user-supplied powers of tau from a public ceremony with snarkjs (every contribution,
 * the beacon and the point sections), then keeps a copy in the cache keyed by its hash. A file
 * that is not prepared for phase 2 is prepared here (slow: snarkjs's group FFTs).
 */
export async function importPtau(opts: {
  ptauFile: string;
  cacheDir: string;
  onProgress?: (m: string) => void;
}): Promise<ImportedPtau> {
  const say = opts.onProgress ?? (() => {});
  if (!existsSync(opts.ptauFile)) {
    throw new ZkError("PTAU_INVALID", `powers-of-tau file not found: ${opts.ptauFile}`);
  }
  const info = await readPtauInfo(opts.ptauFile);
  const sha256 = await sha256File(opts.ptauFile);
  const dest = path.join(path.resolve(opts.cacheDir), "ptau", `imported-${info.power}-${sha256.slice(0, 16)}.ptau`);
  if (existsSync(dest)) return { file: dest, power: info.power, sha256 };

  say(`checking powers of tau ${path.basename(opts.ptauFile)} (2^${info.power}) with snarkjs…`);
  // @types/snarkjs lists verify(file, logger, curve) but snarkjs 0.7.6 takes (file, logger).
  const verifyPtau = snarkjs.powersOfTau.verify as unknown as (file: string, logger: unknown) => Promise<boolean>;
  const ok = await verifyPtau(opts.ptauFile, snarkLogger());
  if (!ok) {
    throw new ZkError("PTAU_INVALID", `powers of tau ${opts.ptauFile} failed verification: do not use it`);
  }
  await mkdir(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}`;
  if (info.prepared) {
    await copyFile(opts.ptauFile, tmp);
  } else {
    say(`preparing powers of tau for phase 2 (snarkjs, slow for large powers)…`);
    await snarkjs.powersOfTau.preparePhase2(opts.ptauFile, tmp, snarkLogger());
  }
  await rename(tmp, dest);
  return { file: dest, power: info.power, sha256 };
}

export interface Transcript {
  format: "zkinfer-ceremony";
  version: 1;
  circuit: string;
  r1csSha256: string;
  ptau: { power: number; sha256: string };
  initialZkeySha256: string;
  contributions: Contribution[];
}

/**
 * Starts a phase 2 ceremony: `zkey new` from an imported ptau. Writes `<out>.zkey` (contribution
 * 0) and a transcript next to it. Hand both to the first contributor.
 */
export async function ceremonyInit(opts: {
  compiled: CompiledCircuit;
  ptau: ImportedPtau;
  outZkey: string;
  onProgress?: (m: string) => void;
}): Promise<Transcript> {
  const say = opts.onProgress ?? (() => {});
  await newZkey(opts.compiled, opts.ptau.file, opts.outZkey, say);
  const transcript: Transcript = {
    format: "zkinfer-ceremony",
    version: 1,
    circuit: opts.compiled.name,
    r1csSha256: await sha256File(opts.compiled.r1cs),
    ptau: { power: opts.ptau.power, sha256: opts.ptau.sha256 },
    initialZkeySha256: await sha256File(opts.outZkey),
    contributions: [],
  };
  await writeFile(transcriptPath(opts.outZkey), JSON.stringify(transcript, null, 2));
  return transcript;
}

export function transcriptPath(zkey: string): string {
  return zkey.replace(/\.zkey$/, "") + ".transcript.json";
}

/**
 * One party's phase 2 contribution: reads `inZkey` (and its transcript), mixes in the party's
 * entropy, writes `outZkey` and the extended transcript. Runs on the contributor's own machine;
 * the entropy never leaves this call.
 */
export async function ceremonyContribute(opts: {
  inZkey: string;
  outZkey: string;
  name: string;
  entropy: string;
  onProgress?: (m: string) => void;
}): Promise<Contribution> {
  if (!opts.name.trim()) throw new ZkError("BAD_ARGUMENT", "invalid name: a contributor name is required");
  if (opts.entropy.length < 32) {
    throw new ZkError("BAD_ARGUMENT", "invalid entropy: give at least 32 characters of randomness");
  }
  const transcript = JSON.parse(await readFile(transcriptPath(opts.inZkey), "utf8")) as Transcript;
  const inHash = await sha256File(opts.inZkey);
  const expected = transcript.contributions.at(-1)?.zkeySha256 ?? transcript.initialZkeySha256;
  if (inHash !== expected) {
    throw new ZkError(
      "ARTIFACT_MISMATCH",
      `${opts.inZkey} (sha256 ${inHash.slice(0, 12)}…) is not the zkey its transcript ends with (${expected.slice(0, 12)}…)`,
    );
  }
  opts.onProgress?.(`contributing to ${transcript.circuit} as "${opts.name}"…`);
  const hash = (await snarkjs.zKey.contribute(
    opts.inZkey,
    opts.outZkey,
    opts.name,
    opts.entropy,
    snarkLogger(),
  )) as Uint8Array;
  const contribution: Contribution = {
    name: opts.name,
    contributionHash: bytesToHex(hash),
    zkeySha256: await sha256File(opts.outZkey),
    at: new Date().toISOString(),
  };
  transcript.contributions.push(contribution);
  await writeFile(transcriptPath(opts.outZkey), JSON.stringify(transcript, null, 2));
  return contribution;
}

/**
 * Closes a ceremony: applies a public beacon (e.g. a future block hash announced in advance),
 * verifies the whole zkey against the r1cs and the ptau with snarkjs, exports the verification
 * key and writes the setup manifest and the transcript into the artifact folder.
 */
export async function ceremonyFinalize(opts: {
  compiled: CompiledCircuit;
  ptau: ImportedPtau;
  inZkey: string;
  beaconHash: string;
  beaconIterationsExp?: number;
  cacheDir: string;
  onProgress?: (m: string) => void;
}): Promise<SetupArtifacts> {
  const say = opts.onProgress ?? (() => {});
  if (!/^[0-9a-fA-F]{64}$/.test(opts.beaconHash)) {
    throw new ZkError("BAD_ARGUMENT", "invalid beaconHash: expected 32 bytes as 64 hex characters");
  }
  const iterationsExp = opts.beaconIterationsExp ?? 10;
  const transcript = JSON.parse(await readFile(transcriptPath(opts.inZkey), "utf8")) as Transcript;
  if (transcript.contributions.length === 0) {
    throw new ZkError(
      "SETUP_FAILED",
      `ceremony for ${transcript.circuit} has no contribution: at least one party must contribute`,
    );
  }
  const r1csSha256 = await sha256File(opts.compiled.r1cs);
  if (r1csSha256 !== transcript.r1csSha256) {
    throw new ZkError("ARTIFACT_MISMATCH", `transcript is for another r1cs than ${opts.compiled.r1cs}`);
  }
  const key = sha256Hex(`ceremony\n${await sha256File(opts.inZkey)}\n${opts.beaconHash}`).slice(0, 16);
  const dir = path.join(path.resolve(opts.cacheDir), "setups", `${opts.compiled.name}-ceremony-${key}`);
  await mkdir(path.dirname(dir), { recursive: true });
  await buildAtomically(dir, async (tmp) => {
    const zkey = path.join(tmp, `${opts.compiled.name}.zkey`);
    say(`applying beacon ${opts.beaconHash.slice(0, 12)}… (2^${iterationsExp} iterations)`);
    const beaconContribution = (await snarkjs.zKey.beacon(
      opts.inZkey,
      zkey,
      "final beacon",
      opts.beaconHash,
      iterationsExp,
      snarkLogger(),
    )) as Uint8Array | false;
    if (!beaconContribution) throw new ZkError("SETUP_FAILED", "beacon failed");
    say("verifying the final zkey against the circuit and the powers of tau…");
    const ok = (await snarkjs.zKey.verifyFromR1cs(opts.compiled.r1cs, opts.ptau.file, zkey, snarkLogger())) as boolean;
    if (!ok)
      throw new ZkError("ZKEY_INVALID", `final zkey of ${opts.compiled.name} does not verify: the ceremony is broken`);
    const vkey = await snarkjs.zKey.exportVerificationKey(zkey);
    await writeFile(path.join(tmp, "verification_key.json"), JSON.stringify(vkey, null, 1));
    const zkeySha256 = await sha256File(zkey);
    transcript.contributions.push({
      name: "beacon",
      contributionHash: bytesToHex(beaconContribution),
      zkeySha256,
      at: new Date().toISOString(),
    });
    await writeFile(path.join(tmp, "transcript.json"), JSON.stringify(transcript, null, 2));
    const manifest: SetupManifest = {
      format: "zkinfer-setup",
      version: 1,
      circuit: opts.compiled.name,
      circuitSourceHash: opts.compiled.sourceHash,
      r1csSha256,
      mode: "ceremony",
      insecure: false,
      ptau: { power: opts.ptau.power, sha256: opts.ptau.sha256, origin: "imported" },
      contributions: transcript.contributions,
      beacon: { hash: opts.beaconHash, iterationsExp },
      zkeySha256,
      verificationKeySha256: await sha256Json(path.join(tmp, "verification_key.json")),
      constraints: opts.compiled.info.constraints,
      publicSignals: opts.compiled.info.publicSignals,
      createdAt: new Date().toISOString(),
    };
    await writeFile(path.join(tmp, "manifest.json"), JSON.stringify(manifest, null, 2));
  });
  const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as SetupManifest;
  return {
    dir,
    zkey: path.join(dir, `${opts.compiled.name}.zkey`),
    verificationKey: path.join(dir, "verification_key.json"),
    manifest,
  };
}

/**
 * Checks that a setup folder is what its manifest says (zkey and verification key hashes), so a
 * swapped or corrupted key is refused before proving or deploying.
 */
export async function checkSetupArtifacts(artifacts: SetupArtifacts): Promise<void> {
  const zkeyHash = await sha256File(artifacts.zkey);
  if (zkeyHash !== artifacts.manifest.zkeySha256) {
    throw new ZkError(
      "ARTIFACT_MISMATCH",
      `${artifacts.zkey} has sha256 ${zkeyHash.slice(0, 12)}… but its manifest says ${artifacts.manifest.zkeySha256.slice(0, 12)}…: rebuild the setup`,
    );
  }
  const vkHash = await sha256Json(artifacts.verificationKey);
  if (vkHash !== artifacts.manifest.verificationKeySha256) {
    throw new ZkError(
      "ARTIFACT_MISMATCH",
      `${artifacts.verificationKey} does not match its manifest: rebuild the setup`,
    );
  }
}
