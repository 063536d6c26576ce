// Public face of the zk stage: circom compile, trusted setup (dev + ceremony), prove, verify,
// Solidity calldata and verifier export, artifact cache.
export { ZkError, type ZkErrorCode } from "./errors.js";
export { defaultCacheDir, sha256File, sha256Hex } from "./cache.js";
export { compileCircuit, readR1csInfo, CIRCOMLIB_DIR, type CompiledCircuit, type R1csInfo } from "./circom.js";
export { readPtauInfo, requiredPtauPower, type PtauInfo } from "./ptauInfo.js";
export { devPtau, generateDevPtau } from "./ptau/devPtau.js";
export { generateDevZkey } from "./zkey/devZkey.js";
export {
  devSetup,
  importPtau,
  ceremonyInit,
  ceremonyContribute,
  ceremonyFinalize,
  checkSetupArtifacts,
  transcriptPath,
  type SetupArtifacts,
  type SetupManifest,
  type SetupMode,
  type Contribution,
  type Transcript,
} from "./setup.js";
export {
  Prover,
  calculateWitness,
  verifyProof,
  releaseSnarkjs,
  type Groth16Proof,
  type ProofResult,
  type CircuitInput,
  type ProverOptions,
} from "./prover.js";
export {
  proveNative,
  resolveProverBackend,
  nativeProverBinary,
  NATIVE_PROVER_PATH,
  PROVER_ENV,
  type ProverBackend,
  type ProverChoice,
  type NativeProof,
} from "./nativeProver.js";
export { packProof, unpackProof, verifierArgs, BN254_Q, BN254_R, type SolidityProof } from "./calldata.js";
export { renderVerifier, exportVerifier, contractBaseName } from "./verifier.js";
export { SequentialPool, type ProofJob, type ProverPool } from "./pool.js";
export { EmbeddedPool, jobMemoryBytes, type EmbeddedPoolOptions, type PoolEvent } from "./poolEmbedded.js";
export { ArtifactStore, type ArtifactRef } from "./artifactStore.js";
// The BullMQ pool and its worker load bullmq and ioredis (about a second): import them from
// ./poolQueue.js and ./queueWorker.js where they are used, not from here.
