/**
 * The market explorer: a local server (server.ts) and the single-page app it serves (page/), which
 * reads the chain through a read-only JSON-RPC proxy and verifies every settled proof in the
 * browser with the SDK's own settlement code (src/market/inference/settlements.ts).
 */
export { PAGE_DIR, SNARKJS_BROWSER, buildPage, type PageBundle } from "./bundle.js";
export {
  READ_METHODS,
  checkTxUrlTemplate,
  startExplorer,
  type Eip1193,
  type ExplorerAddresses,
  type ExplorerOptions,
  type RunningExplorer,
} from "./server.js";
