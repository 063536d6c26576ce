import { committedVerifierCircuits } from "./registry.js";

/**
 * Circuits whose dev-setup verifiers are committed under contracts/verifiers/ so the contracts'
 * Hardhat tests can deploy them: the entries' `committedVerifiers` in circuits/circuits.json
 * (today the demo circuit, k = 1, and its batch variants k = 4, 16; the real-proof gas snapshot
 * settles batches with them). Regenerate with `npm run gen:verifiers`; a test checks they are up
 * to date.
 */
export const COMMITTED_VERIFIERS: { circuit: string; includePaths?: string[] }[] = committedVerifierCircuits().map(
  ({ circuit }) => ({ circuit }),
);
