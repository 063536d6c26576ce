import { DEMO_LINEAR_CIRCUIT } from "./demoLinear.js";

/**
 * Circuits whose dev-setup verifiers are committed under contracts/verifiers/ so the contracts'
 * Hardhat tests can deploy them. Regenerate with `npm run gen:verifiers`; a test checks they are
 * up to date.
 */
export const COMMITTED_VERIFIERS: { circuit: string; includePaths?: string[] }[] = [{ circuit: DEMO_LINEAR_CIRCUIT }];
