import { DEMO_LINEAR_BATCH_CIRCUITS, DEMO_LINEAR_CIRCUIT } from "./demoLinear.js";

/**
 * Circuits whose dev-setup verifiers are committed under contracts/verifiers/ so the contracts'
 * Hardhat tests can deploy them: the demo circuit (k = 1) and its batch variants (k = 4, 16; the
 * real-proof gas snapshot settles batches with them). Regenerate with `npm run gen:verifiers`; a
 * test checks they are up to date.
 */
export const COMMITTED_VERIFIERS: { circuit: string; includePaths?: string[] }[] = [
  { circuit: DEMO_LINEAR_CIRCUIT },
  { circuit: DEMO_LINEAR_BATCH_CIRCUITS[4] as string },
  { circuit: DEMO_LINEAR_BATCH_CIRCUITS[16] as string },
];
