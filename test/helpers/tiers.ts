/**
 * Two tiers of tests. `npm test` runs the everyday tier, kept inside the time a developer waits
 * for on two cores. `npm run test:deep` (ZKINFER_TEST_DEEP=1, only titles ending in "[deep]") runs
 * the deep tier: the same properties checked at a size that costs minutes (snarkjs's own keys at
 * 2^15, a hundred digits per model where the everyday tier takes a sample), and the flows whose
 * parts the everyday tier already covers one by one (a whole phase 2 ceremony; the accuracy
 * protocol through the CLI, which the SDK test plays in-process). CI runs both, so nothing here
 * goes unchecked before a change lands; see README, "Commands".
 */
export const DEEP = process.env.ZKINFER_TEST_DEEP === "1";

/** A test of the deep tier: registered only under `npm run test:deep`. */
export function itDeep(title: string, fn: (this: Mocha.Context) => Promise<void>): void {
  if (DEEP) it(`${title} [deep]`, fn);
}

/**
 * The title suffix of a test that runs in both tiers at two sizes (`sized(20, 100)` in the
 * everyday tier is 20): in the deep tier its title carries "[deep]", so `npm run test:deep` runs it.
 */
export function sized(everyday: number, deep: number): { n: number; tag: string } {
  return DEEP ? { n: deep, tag: " [deep]" } : { n: everyday, tag: "" };
}
