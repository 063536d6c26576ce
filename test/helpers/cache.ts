import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Tests share the project's artifact cache (`.zkinfer/`, or ZKINFER_CACHE), so a circuit compiled
 * or a setup made by one test file or an earlier run is reused, never rebuilt per test.
 */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const TEST_CACHE = process.env.ZKINFER_CACHE ?? path.join(ROOT, ".zkinfer");
