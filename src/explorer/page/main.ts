/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The explorer page: hash routes (shareable), one view per route, rendered from a snapshot of the
 * chain that is re-read every few seconds. Settled proofs are verified in the page (verify.ts).
 *
 *   #/                  the market: contracts, owner parameters, pause, totals, charts
 *   #/models            every model            #/model/<id>        one model and its history
 *   #/requests          every request          #/request/<id>      one request, its proof verdict
 *   #/provider/<addr>   stake, locks, unbonding, earnings, latency
 */
import { connect, readSnapshot, type Chain, type ModelRow, type RequestRow, type Snapshot } from "./data.js";
import { gasChart, latencyChart, openChart } from "./charts.js";
import { duration, esc, eth, gas, relative, shortHex } from "./format.js";
import { keyFor, verdictFor, type Verdict } from "./verify.js";

const REFRESH_MS = 4_000;
let chain: Chain;
let snap: Snapshot | undefined;
let readError = "";

const app = () => document.getElementById("app")!;
const chainNow = () => (snap ? snap.chainTime + Math.floor((Date.now() - snap.readAtMs) / 1000) : 0);

// ── small builders ─────────────────────────────────────────────────────────────────────────────
const link = (href: string, text: string) => `<a href="${esc(href)}">${esc(text)}</a>`;
const addr = (a: string) => link(`#/provider/${a}`, shortHex(a));
const txLink = (h: string | undefined) => (h ? `<code title="${esc(h)}">${esc(shortHex(h, 8))}</code>` : "—");
const dl = (rows: [string, string][]) =>
  `<dl class="facts">${rows.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${v}</dd></div>`).join("")}</dl>`;
const table = (head: string[], rows: string[][], caption: string, testid: string) =>
  `<div class="scroll" tabindex="0" role="region" aria-label="${esc(caption)}"><table data-testid="${testid}"><caption>${esc(caption)}</caption><thead><tr>${head
    .map((h) => `<th scope="col">${esc(h)}</th>`)
    .join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`)
    .join("")}</tbody></table></div>`;
const badge = (text: string, kind: string) => `<span class="badge ${kind}">${esc(text)}</span>`;

function statusBadge(s: string): string {
  return badge(s, { Open: "open", Fulfilled: "ok", Declined: "muted", Reclaimed: "bad" }[s] ?? "muted");
}

function insecure(m: ModelRow): boolean {
  return snap?.circuits.get(m.circuitId)?.dev ?? false;
}

function modelName(id: string): string {
  return shortHex(id, 6);
}

/** A live deadline: "in 9 minutes 12 seconds" or "passed 3 minutes ago — reclaimable". */
function deadlineCell(r: RequestRow): string {
  if (r.status !== "Open") return "—";
  return `<span class="countdown" data-deadline="${r.deadline}"></span>`;
}

function countdown(deadline: number): string {
  const now = chainNow();
  return deadline >= now ? relative(deadline, now) : `passed ${duration(now - deadline)} ago — reclaimable`;
}

function verdictCell(r: RequestRow): string {
  if (r.status !== "Fulfilled") return "—";
  return `<span class="verdict pending" data-verdict="${r.id}" role="status">verifying in the browser…</span>`;
}

function renderVerdict(el: HTMLElement, v: Verdict): void {
  if (v.state === "ok") {
    el.className = "verdict ok";
    el.textContent = "✔ verified in the browser";
    el.title = `${v.method}, ${v.batch} request${v.batch === 1 ? "" : "s"} in the proof`;
  } else if (v.state === "fail") {
    el.className = "verdict bad";
    el.textContent = `✘ ${v.reason}`;
    el.title = v.detail;
    el.dataset.detail = v.detail;
  }
}

/** Fills every verdict cell on the page (verifications run once per proof and are cached). */
function fillVerdicts(): void {
  if (!snap) return;
  const s = snap;
  for (const el of document.querySelectorAll<HTMLElement>("[data-verdict]")) {
    const r = s.requests.find((q) => q.id.toString() === el.dataset.verdict);
    if (!r) continue;
    void verdictFor(chain, s, r).then((v) => {
      renderVerdict(el, v);
      const detail = document.querySelector<HTMLElement>(`[data-verdict-detail="${r.id}"]`);
      if (detail && v.state === "fail") detail.textContent = v.detail;
    });
  }
}

function payoutCell(r: RequestRow): string {
  if (r.payout !== undefined) return `${eth(r.payout)} paid`;
  if (r.slashed) return `refunded ${eth(r.refunded)} + slash ${eth(r.slashed)}`;
  if (r.kept) return `refunded ${eth(r.refunded)}, ${eth(r.kept)} kept`;
  if (r.refunded !== undefined) return `refunded ${eth(r.refunded)}`;
  return "—";
}

function requestRows(list: RequestRow[]): string[][] {
  return list.map((r) => [
    link(`#/request/${r.id}`, `#${r.id}`),
    statusBadge(r.status),
    link(`#/model/${r.request.modelId}`, modelName(r.request.modelId)),
    r.output !== undefined ? esc(r.output.toString()) : "—",
    verdictCell(r),
    eth(r.request.escrow),
    payoutCell(r),
    deadlineCell(r),
  ]);
}
const REQUEST_HEAD = ["Request", "Status", "Model", "Output", "Proof", "Escrow", "Payout / refund", "Deadline"];

// ── views ──────────────────────────────────────────────────────────────────────────────────────
function marketView(s: Snapshot): string {
  const c = chain.config;
  const open = s.requests.filter((r) => r.status === "Open");
  const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
  const count = (st: string) => s.requests.filter((r) => r.status === st).length;
  return `
  <h1>Market</h1>
  ${s.paused ? `<p class="alert" role="alert">The market is PAUSED: no new bounties, deadlines are extended.</p>` : ""}
  <section><h2>Contracts</h2>${dl([
    ["Chain", esc(c.chainId)],
    ["Inference market", `<code>${esc(c.market)}</code>`],
    ["Model registry", `<code>${esc(c.registry)}</code>`],
    ...(c.accuracy ? ([["Accuracy market", `<code>${esc(c.accuracy)}</code>`]] as [string, string][]) : []),
    ["Owner", `<code>${esc(s.owner)}</code>`],
    ["State", s.paused ? badge("paused", "bad") : badge("running", "ok")],
    ["Latest block", String(s.block)],
  ])}</section>
  <section><h2>Owner parameters</h2>${dl([
    ["Minimum bounty", eth(s.params.minBounty)],
    ["Longest deadline", duration(Number(s.params.maxDeadlineWindow))],
    ["Unbonding delay", duration(Number(s.params.unbondingDelay))],
    ["Protocol fee", `${Number(s.params.protocolFeeBps) / 100}%`],
    ["Reject share", `${Number(s.rejectShareBps) / 100}% of the escrow`],
  ])}</section>
  <section><h2>Totals</h2>${dl([
    [
      "Requests",
      `<span data-testid="total-requests">${s.requests.length}</span> (${count("Fulfilled")} fulfilled, ${count("Declined")} declined, ${count("Reclaimed")} reclaimed, ${open.length} open)`,
    ],
    ["Open escrow", eth(sum(open.map((r) => r.request.escrow)))],
    ["Paid to providers", eth(sum(s.requests.map((r) => r.payout ?? 0n)))],
    ["Fees", `${eth(sum(s.requests.map((r) => r.fee ?? 0n)))} charged, ${eth(s.protocolFees)} unclaimed`],
    ["Slashed", eth(sum(s.requests.map((r) => r.slashed ?? 0n)))],
    ["Stakes", `${eth(sum(s.stakes.map((x) => x.total)))} (${eth(sum(s.stakes.map((x) => x.locked)))} locked)`],
    ["Market balance", eth(s.marketBalance)],
  ])}</section>
  <section><h2>Charts</h2><div class="charts">
    <figure id="chart-latency" aria-label="bounty to payout latency over time"></figure>
    <figure id="chart-gas" aria-label="gas per settled request, single versus batch"></figure>
    <figure id="chart-open" aria-label="open requests over time"></figure>
  </div></section>`;
}

function modelsView(s: Snapshot): string {
  return `<h1>Models</h1>${table(
    ["Model", "Provider", "Setup", "Price", "Slash", "Capacity", "Open", "Requests"],
    s.models.map((m) => [
      link(`#/model/${m.modelId}`, modelName(m.modelId)),
      addr(m.provider),
      insecure(m) ? badge("INSECURE dev setup", "bad") : badge("ceremony", "ok"),
      eth(m.price),
      eth(m.slashAmount),
      String(m.capacity),
      m.openRequests.toString(),
      String(s.requests.filter((r) => r.request.modelId === m.modelId).length),
    ]),
    "Registered models",
    "models",
  )}`;
}

function modelView(s: Snapshot, id: string): string {
  const m = s.models.find((x) => x.modelId.toLowerCase() === id.toLowerCase());
  if (!m) return `<h1>Model not found</h1><p>No model ${esc(id)} is registered on this market.</p>`;
  const c = s.circuits.get(m.circuitId);
  const reqs = s.requests.filter((r) => r.request.modelId === m.modelId);
  return `<h1>Model ${esc(modelName(m.modelId))}</h1>
  ${insecure(m) ? `<p class="alert" role="alert">INSECURE: this model's circuit uses a dev setup. Its secret is public; anyone can forge its proofs. For test chains only.</p>` : ""}
  ${dl([
    ["Model id", `<code>${esc(m.modelId)}</code>`],
    ["Provider", addr(m.provider)],
    [
      "Circuit",
      `<code>${esc(m.circuitId)}</code>${c ? ` (batch ${c.batchSize}, verifier <code>${esc(c.verifier)}</code>)` : ""}`,
    ],
    ["Setup", insecure(m) ? badge("INSECURE dev setup", "bad") : badge("ceremony", "ok")],
    ["Setup manifest", `<span id="manifest">checking…</span>`],
    ["Weight commitment", `<code class="wrap">${esc(m.weightsCommitment.toString())}</code>`],
    ["Price", eth(m.price)],
    ["Slash per request", eth(m.slashAmount)],
    ["Capacity", `${m.openRequests} open of ${m.capacity}`],
    ["State", m.retired ? badge("retired", "muted") : badge("active", "ok")],
    ["Registered", `${relative(m.registeredAt, chainNow())} in ${txLink(m.registerTx)}`],
  ])}
  <h2>History</h2>${table(REQUEST_HEAD, requestRows(reqs), `Requests to model ${modelName(m.modelId)}`, "requests")}`;
}

function requestsView(s: Snapshot): string {
  return `<h1>Requests</h1>${table(REQUEST_HEAD, requestRows([...s.requests].reverse()), "Every request, newest first", "requests")}`;
}

function requestView(s: Snapshot, id: string): string {
  const r = s.requests.find((q) => q.id.toString() === id);
  if (!r) return `<h1>Request not found</h1><p>No request #${esc(id)} on this market.</p>`;
  const m = s.models.find((x) => x.modelId === r.request.modelId);
  return `<h1>Request #${r.id} ${statusBadge(r.status)}</h1>
  ${dl([
    ["Model", link(`#/model/${r.request.modelId}`, modelName(r.request.modelId))],
    ["Consumer", `<code>${esc(r.request.consumer)}</code>`],
    ["Escrow", eth(r.request.escrow)],
    ["Provider's stake locked", eth(r.slashLocked)],
    ["Posted", `${relative(r.postedAt, chainNow())} in ${txLink(r.postTx)} (${gas(r.postGas)})`],
    ["Deadline", r.status === "Open" ? deadlineCell(r) : relative(Number(r.request.deadline), chainNow())],
    ["Input commitment", `<code class="wrap">${esc(r.request.inputCommitment.toString())}</code>`],
    ...((r.status === "Fulfilled"
      ? [
          ["Output", `<strong>${esc(String(r.output))}</strong>`],
          ["Provider", addr(r.provider!)],
          ["Payout", `${eth(r.payout)} (fee ${eth(r.fee)})`],
          [
            "Settled",
            `${relative(r.settledAt!, chainNow())}, ${duration(r.settledAt! - r.postedAt)} after posting, in ${txLink(r.settleTx)} (${gas(r.settleGas)})`,
          ],
          ["Proof", verdictCell(r)],
          ["Why", `<span data-verdict-detail="${r.id}">—</span>`],
        ]
      : []) as [string, string][]),
    ...((r.refunded !== undefined
      ? [
          ["Refunded", eth(r.refunded)],
          ...(r.kept ? [["Kept by the provider (bad input)", eth(r.kept)]] : []),
          ...(r.slashed !== undefined ? [["Slashed from the provider", eth(r.slashed)]] : []),
          ["Closed", `${relative(r.closedAt!, chainNow())} in ${txLink(r.closeTx)}`],
        ]
      : []) as [string, string][]),
    ...(m && insecure(m) ? ([["Setup", badge("INSECURE dev setup", "bad")]] as [string, string][]) : []),
  ])}`;
}

function providerView(s: Snapshot, who: string): string {
  const st = s.stakes.find((x) => x.provider.toLowerCase() === who.toLowerCase());
  const models = s.models.filter((m) => m.provider.toLowerCase() === who.toLowerCase());
  const served = s.requests.filter((r) => r.provider?.toLowerCase() === who.toLowerCase());
  const ids = new Set(models.map((m) => m.modelId));
  const slashed = s.requests.filter((r) => ids.has(r.request.modelId) && r.slashed);
  const earned = served.reduce((a, r) => a + (r.payout ?? 0n), 0n);
  const lat = served.map((r) => r.settledAt! - r.postedAt).sort((a, b) => a - b);
  const median = lat.length ? lat[Math.floor(lat.length / 2)]! : undefined;
  return `<h1>Provider <code>${esc(shortHex(who))}</code></h1>
  ${dl([
    ["Address", `<code>${esc(who)}</code>`],
    ["Stake", st ? eth(st.total) : "none"],
    ["Locked for open requests", st ? eth(st.locked) : "—"],
    [
      "Unbonding",
      st && st.unbonding > 0n
        ? `${eth(st.unbonding)}, ready ${relative(Number(st.unbondingReadyAt), chainNow())}`
        : "nothing",
    ],
    ["Withdrawable", st ? eth(st.withdrawable) : "—"],
    ["Earnings", `${eth(earned)} over ${served.length} request${served.length === 1 ? "" : "s"}`],
    [
      "Slashed",
      `${eth(slashed.reduce((a, r) => a + r.slashed!, 0n))} over ${slashed.length} request${slashed.length === 1 ? "" : "s"}`,
    ],
    ["Latency (median)", median === undefined ? "—" : duration(median)],
  ])}
  <h2>Models</h2>${table(
    ["Model", "Setup", "Price", "Open"],
    models.map((m) => [
      link(`#/model/${m.modelId}`, modelName(m.modelId)),
      insecure(m) ? badge("INSECURE dev setup", "bad") : badge("ceremony", "ok"),
      eth(m.price),
      `${m.openRequests} of ${m.capacity}`,
    ]),
    "Models of this provider",
    "models",
  )}
  <h2>Requests</h2>${table(REQUEST_HEAD, requestRows(s.requests.filter((r) => ids.has(r.request.modelId))), "Requests to this provider's models", "requests")}`;
}

// ── routing and refresh ────────────────────────────────────────────────────────────────────────
let lastKey = "";
let lastRoute = "";

function render(): void {
  const route = location.hash.replace(/^#\/?/, "");
  const [page = "", arg = ""] = route.split("/");
  for (const a of document.querySelectorAll<HTMLAnchorElement>("nav a"))
    a.setAttribute("aria-current", a.getAttribute("href") === `#/${page}` ? "page" : "false");
  if (!snap) {
    app().innerHTML = readError ? `<p class="alert" role="alert">${esc(readError)}</p>` : `<p>Reading the chain…</p>`;
    return;
  }
  // Re-render only when the route or the chain changed (keeps focus and scroll between re-reads).
  const key = `${route}@${snap.block}`;
  if (key === lastKey && !readError) return;
  lastKey = key;
  const html =
    page === "models"
      ? modelsView(snap)
      : page === "model"
        ? modelView(snap, decodeURIComponent(arg))
        : page === "requests"
          ? requestsView(snap)
          : page === "request"
            ? requestView(snap, decodeURIComponent(arg))
            : page === "provider"
              ? providerView(snap, decodeURIComponent(arg))
              : marketView(snap);
  const moved = route !== lastRoute;
  lastRoute = route;
  app().innerHTML = html + (readError ? `<p class="alert" role="alert">${esc(readError)}</p>` : "");
  document.title = `${document.querySelector("h1")?.textContent ?? "zkinfer"} · zkinfer explorer`;
  if (moved) document.querySelector<HTMLElement>("h1")?.focus();
  fillVerdicts();
  tick();
  if (page === "" || page === "market") {
    latencyChart(document.getElementById("chart-latency")!, snap);
    gasChart(document.getElementById("chart-gas")!, snap);
    openChart(document.getElementById("chart-open")!, snap);
  }
  if (page === "model") {
    const m = snap.models.find((x) => x.modelId.toLowerCase() === arg.toLowerCase());
    const c = m && snap.circuits.get(m.circuitId);
    const el = document.getElementById("manifest");
    if (c && el)
      void keyFor(chain, c).then((k) => {
        el.innerHTML = k.manifest
          ? `${esc(k.manifest.circuit)}, ${esc(k.manifest.mode)}${k.manifest.insecure ? " — INSECURE" : ""}; key ${k.ok ? badge("matches the verifier on chain", "ok") : badge(k.reason!, "bad")}`
          : badge(k.reason ?? "not available", "bad");
      });
  }
}

async function refresh(): Promise<void> {
  try {
    // Nothing to re-read while no block was mined (a dev chain mines only on transactions).
    if (snap && (await chain.provider.getBlockNumber()) === snap.block && !readError) return;
    snap = await readSnapshot(chain);
    readError = "";
  } catch (err) {
    readError = `Could not read the chain: ${(err as Error).message.split("\n")[0]}`;
  }
  render();
}

function tick(): void {
  for (const el of document.querySelectorAll<HTMLElement>("[data-deadline]"))
    el.textContent = countdown(Number(el.dataset.deadline));
}

async function main(): Promise<void> {
  window.addEventListener("hashchange", render);
  try {
    chain = await connect();
  } catch (err) {
    readError = `Could not reach the explorer server: ${(err as Error).message}`;
    render();
    return;
  }
  await refresh();
  setInterval(() => void refresh(), REFRESH_MS);
  setInterval(tick, 1_000);
}

void main();
