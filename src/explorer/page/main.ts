/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The explorer page: hash routes (shareable), one view per route, rendered from a snapshot of the
 * chain that is re-read every few seconds. Settled proofs are verified in the page (verify.ts).
 *
 *   #/                  the market: contracts, owner parameters, pause, totals, charts
 *   #/models            every model            #/model/<id>        one model and its history
 *   #/requests          every request          #/request/<id>      one request, its proof verdict
 *   #/claims            accuracy claims        #/claim/<id>        its challenges, step by step
 *   #/retrievals        retrieval requests     #/retrieval/<id>    returned items, spot checks
 *   #/provider/<addr>   stake, locks, unbonding, earnings, latency, with charts
 *   #/tx/<hash>         one transaction: the call, its events, what it settled
 */
import type { ClaimInfo } from "../../market/accuracy/claims.js";
import type { RetrievalHistory } from "../../market/retrieval/requests.js";
import { connect, readSnapshot, type Chain, type ModelRow, type RequestRow, type Snapshot } from "./data.js";
import { earningsChart, gasChart, latencyChart, openChart } from "./charts.js";
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
const txLink = (h: string | undefined) =>
  h ? `<a href="#/tx/${esc(h)}" title="${esc(h)}"><code>${esc(shortHex(h, 8))}</code></a>` : "—";
const pct = (bps: number) => `${(bps / 100).toFixed(bps % 100 === 0 ? 0 : 2)}%`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
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
    el.title =
      v.shards !== undefined
        ? `${v.method}, ${v.shards} shard proofs and their commitment chain`
        : `${v.method}, ${v.batch} request${v.batch === 1 ? "" : "s"} in the proof`;
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
    ...(c.retrieval ? ([["Retrieval market", `<code>${esc(c.retrieval)}</code>`]] as [string, string][]) : []),
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
    ...((c.accuracy
      ? [
          [
            "Accuracy claims",
            `${link("#/claims", plural(s.claims.length, "claim"))}, ${s.claims.filter((x) => x.refuted).length} refuted, ${plural(
              s.claims.reduce((a, x) => a + x.challenges.length, 0),
              "challenge",
            )}`,
          ],
        ]
      : []) as [string, string][]),
    ...((c.retrieval
      ? [
          [
            "Retrieval requests",
            `${link("#/retrievals", plural(s.retrievals.length, "request"))}, ${s.retrievals.filter((h) => h.request.status === "Paid").length} paid, ${s.retrievals.filter((h) => h.request.status === "Slashed").length} slashed`,
          ],
        ]
      : []) as [string, string][]),
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
  const me = (a: string | undefined) => a?.toLowerCase() === who.toLowerCase();
  const st = s.stakes.find((x) => me(x.provider));
  const models = s.models.filter((m) => me(m.provider));
  const served = s.requests.filter((r) => me(r.provider));
  const ids = new Set(models.map((m) => m.modelId));
  const slashed = s.requests.filter((r) => ids.has(r.request.modelId) && r.slashed);
  const earned = served.reduce((a, r) => a + (r.payout ?? 0n), 0n);
  const lat = served.map((r) => r.settledAt! - r.postedAt).sort((a, b) => a - b);
  const median = lat.length ? lat[Math.floor(lat.length / 2)]! : undefined;
  const claims = s.claims.filter((c) => me(c.provider));
  const datasets = [...s.datasets.values()].filter((d) => me(d.provider));
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
    ["Earnings", `${eth(earned)} over ${plural(served.length, "request")}`],
    ["Slashed", `${eth(slashed.reduce((a, r) => a + r.slashed!, 0n))} over ${plural(slashed.length, "request")}`],
    ["Latency (median)", median === undefined ? "—" : duration(median)],
    ["Latency (slowest)", lat.length ? duration(lat[lat.length - 1]!) : "—"],
  ])}
  <section><h2>Charts</h2><div class="charts">
    <figure id="chart-provider-latency" aria-label="this provider's bounty to payout latency over time"></figure>
    <figure id="chart-provider-earnings" aria-label="this provider's earnings over time"></figure>
  </div></section>
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
  <h2>Requests</h2>${table(REQUEST_HEAD, requestRows(s.requests.filter((r) => ids.has(r.request.modelId))), "Requests to this provider's models", "requests")}
  ${claims.length ? `<h2>Accuracy claims</h2>${claimsTable(claims)}` : ""}
  ${
    datasets.length
      ? `<h2>Retrieval data sets</h2>${table(
          ["Data set", "Items", "Price", "Collateral per request", "Open"],
          datasets.map((d) => [
            `#${d.datasetId}`,
            String(d.size),
            eth(d.price),
            eth(d.collateral),
            `${d.openRequests} of ${d.capacity}`,
          ]),
          "Data sets this provider serves",
          "datasets",
        )}`
      : ""
  }`;
}

// ── accuracy claims ────────────────────────────────────────────────────────────────────────────
function claimState(c: ClaimInfo): string {
  if (c.refuted) return badge("REFUTED", "bad");
  if (c.retiresAt !== 0n) return badge("retiring", "muted");
  return badge("standing", "ok");
}

function challengeBadge(status: string): string {
  const kind =
    { Passed: "ok", Failed: "bad", DataRejected: "muted", Abandoned: "muted", Cancelled: "muted" }[status] ?? "open";
  return badge(status === "Passed" ? "Upheld" : status === "DataRejected" ? "Data rejected" : status, kind);
}

function claimsTable(claims: readonly ClaimInfo[]): string {
  return table(
    [
      "Claim",
      "Provider",
      "Model",
      "Claims",
      "State",
      "Collateral",
      "Challenges",
      "Upheld",
      "Data rejected",
      "Abandoned",
      "Open",
    ],
    claims.map((c) => [
      link(`#/claim/${c.claimId}`, shortHex(c.claimId, 6)),
      addr(c.provider),
      link(`#/model/${c.modelId}`, modelName(c.modelId)),
      pct(c.accuracyBps),
      claimState(c),
      `${eth(c.collateral)} (${eth(c.locked)} locked)`,
      String(c.challenges.length),
      String(c.passed),
      String(c.rejections),
      String(c.abandoned),
      String(c.openChallenges),
    ]),
    "Accuracy claims",
    "claims",
  );
}

const NOT_A_REPUTATION =
  "Upheld counts are history, not a reputation: anyone may challenge, the provider's own other addresses too. Trust a claim by its collateral and by challenges you make yourself.";

function claimsView(s: Snapshot): string {
  if (!chain.accuracy)
    return `<h1>Accuracy claims</h1><p>No accuracy market is configured for this explorer (none in the deployments record).</p>`;
  return `<h1>Accuracy claims</h1>
  <p class="note">${esc(NOT_A_REPUTATION)}</p>
  ${claimsTable(s.claims)}`;
}

function claimView(s: Snapshot, id: string): string {
  const c = s.claims.find((x) => x.claimId.toLowerCase() === id.toLowerCase());
  if (!c) return `<h1>Claim not found</h1><p>No accuracy claim ${esc(id)} on this market.</p>`;
  const when = (block: number) => {
    const t = s.times.get(block);
    return t === undefined ? `block ${block}` : relative(t, chainNow());
  };
  return `<h1>Claim ${esc(shortHex(c.claimId, 6))} ${claimState(c)}</h1>
  ${dl([
    ["Claim id", `<code class="wrap">${esc(c.claimId)}</code>`],
    ["Provider", addr(c.provider)],
    ["Model", link(`#/model/${c.modelId}`, modelName(c.modelId))],
    [
      "Claimed accuracy",
      `<strong>${pct(c.accuracyBps)}</strong> on test set <code>${esc(shortHex(c.datasetId, 6))}</code>`,
    ],
    ["Collateral", `${eth(c.collateral)} (${eth(c.locked)} locked by open challenges)`],
    ["Slash per failed challenge", eth(c.slashPerChallenge)],
    ["Fee per sample", eth(c.feePerSample)],
    [
      "Challenges",
      `<span data-testid="claim-counts">${c.challenges.length} in all: ${c.passed} upheld, ${c.challenges.filter((x) => x.status === "Failed").length} failed, ${c.rejections} data rejected, ${c.abandoned} abandoned, ${c.openChallenges} open</span>`,
    ],
    ["Rejections", `${plural(c.rejections, "challenge")} whose data the provider rejected (fee refunded, no slash)`],
    ["Posted", c.postedBlock !== undefined ? `${when(c.postedBlock)} in ${txLink(c.postedTx)}` : "—"],
  ])}
  <p class="note">${esc(NOT_A_REPUTATION)}</p>
  ${c.challenges
    .map((ch) => {
      return `<section class="challenge" data-testid="challenge-${ch.challengeId}">
    <h2>Challenge #${ch.challengeId} ${challengeBadge(ch.status)}</h2>
    ${dl([
      ["Challenger", `<code>${esc(ch.challenger)}</code>`],
      [
        "Asked",
        `within ε ${pct(ch.epsilonBps)} at ${pct(ch.confidenceBps)} confidence → ${plural(ch.samples, "sample")} in ${plural(ch.chunks, "proof")}`,
      ],
      [
        "Proven",
        `${ch.chunksProven} of ${ch.chunks} proofs, ${ch.correct} samples correct so far (${plural(ch.samples, "sample")} in all)`,
      ],
      ["Fee", eth(ch.fee)],
      [
        "Data",
        ch.attested
          ? "at the holder's attested location"
          : "NOT at the holder's attested location (the provider may reject it)",
      ],
    ])}
    ${table(
      ["Step", "When", "Transaction"],
      (ch.history ?? []).map((h) => [
        esc(h.summary) +
          (h.slashed !== undefined
            ? ` — ${eth(h.paidToProvider)} to the provider, ${eth(h.paidToChallenger)} to the challenger${h.slashed > 0n ? `, ${eth(h.slashed)} slashed` : ""}`
            : ""),
        when(h.blockNumber),
        txLink(h.txHash),
      ]),
      `History of challenge ${ch.challengeId}`,
      "history",
    )}</section>`;
    })
    .join("")}`;
}

// ── retrieval ──────────────────────────────────────────────────────────────────────────────────
function retrievalBadge(status: string): string {
  return badge(status, { Paid: "ok", Slashed: "bad", Cancelled: "muted", Declined: "muted" }[status] ?? "open");
}

function outcomeCell(h: RetrievalHistory): string {
  const o = h.outcome;
  if (!o) return "—";
  if (o.event === "RetrievalPaid")
    return `${eth(o.payout)} paid${o.refunded > 0n ? `, ${eth(o.refunded)} refunded` : ""}${o.spotChecksWaived ? " (spot checks waived)" : ""}`;
  if (o.event === "RetrievalSlashed")
    return `refunded ${eth(o.refunded)} + slash ${eth(o.slashed)} (failed in ${o.failedIn})`;
  return `refunded ${eth(o.refunded)}`;
}

function retrievalsView(s: Snapshot): string {
  if (!chain.retrieval)
    return `<h1>Retrieval requests</h1><p>No retrieval market is configured for this explorer (none in the deployments record).</p>`;
  return `<h1>Retrieval requests</h1>${table(
    ["Request", "Status", "Data set", "Class", "Returned", "Proven", "Spot checks", "Escrow", "Outcome"],
    [...s.retrievals].reverse().map((h) => {
      const r = h.request;
      return [
        link(`#/retrieval/${r.requestId}`, `#${r.requestId}`),
        retrievalBadge(r.status),
        `#${r.datasetId}`,
        String(r.targetClass),
        h.returned ? String(h.returned.length) : "—",
        h.returned ? `${r.returnedProven} of ${r.returnedCount}` : "—",
        `${r.spotProven} of ${r.spotChunks} chunks (${plural(r.samples, "sample")})`,
        eth(r.escrow),
        outcomeCell(h),
      ];
    }),
    "Every retrieval request, newest first",
    "retrievals",
  )}`;
}

function retrievalView(s: Snapshot, id: string): string {
  const h = s.retrievals.find((x) => x.request.requestId.toString() === id);
  if (!h) return `<h1>Retrieval request not found</h1><p>No retrieval request #${esc(id)} on this market.</p>`;
  const r = h.request;
  const d = s.datasets.get(r.datasetId.toString());
  const proven = new Set(h.returnedProofs.flatMap((c) => c.indices));
  return `<h1>Retrieval request #${r.requestId} ${retrievalBadge(r.status)}</h1>
  ${dl([
    [
      "Data set",
      d
        ? `#${d.datasetId}: ${d.size} items, served by ${addr(d.provider)} with model ${link(`#/model/${d.modelId}`, modelName(d.modelId))}`
        : `#${r.datasetId}`,
    ],
    ["Consumer", `<code>${esc(r.consumer)}</code>`],
    ["Asked for", `every item of class <strong>${r.targetClass}</strong>, at most ${r.maxReturned}`],
    [
      "Completeness check",
      `at most ${pct(r.fractionBps)} of the matches omitted, at ${pct(r.confidenceBps)} confidence → ${plural(r.samples, "sample")} in ${plural(r.spotChunks, "spot-check proof")}`,
    ],
    ["Escrow", eth(r.escrow)],
    ["Provider's collateral locked", eth(r.collateralLocked)],
    ["Requested", txLink(h.requestedTx)],
    [
      "Returned",
      h.returned
        ? `<span data-testid="returned-count">${plural(h.returned.length, "item")}</span>, ${r.returnedProven} proven of class ${r.targetClass} in ${txLink(h.resultsTx)}`
        : "nothing yet",
    ],
    ["Sample fixed", h.revealTx ? `the consumer revealed its secret in ${txLink(h.revealTx)}` : "not yet"],
    ["Spot checks", `<span data-testid="spot-count">${r.spotProven} of ${r.spotChunks}</span> chunks proven`],
    ["Outcome", h.outcome ? `${outcomeCell(h)} in ${txLink(h.outcome.txHash)}` : "open"],
  ])}
  <h2>Returned items</h2>
  ${
    h.returned && h.returned.length
      ? `<ul class="items" data-testid="returned">${h.returned
          .map((i) => `<li>${badge(`#${i}`, proven.has(i) ? "ok" : "open")}${proven.has(i) ? " proven" : ""}</li>`)
          .join("")}</ul>`
      : "<p>None.</p>"
  }
  <h2>Proofs of the returned items</h2>${table(
    ["Items", "Newly proven", "Transaction"],
    h.returnedProofs.map((c) => [
      c.indices.map((i) => `#${i}`).join(" "),
      String(c.newlyProven ?? 0),
      txLink(c.txHash),
    ]),
    "Audit proofs that the returned items are of the class",
    "returned-proofs",
  )}
  <h2>Spot checks</h2>
  <p class="note">Each spot check proves that, of a random sample of the data set (fixed by the consumer's secret and the provider's randomness, after the answer), exactly the returned items are of the class: an omitted match found in a sample has no valid proof, and the provider is slashed.</p>
  ${table(
    ["Chunk", "Sampled items", "Of the class", "Transaction"],
    h.spotChecks.map((c) => [
      String(c.chunk),
      c.indices.map((i) => `#${i}`).join(" "),
      String(c.expectedCount),
      txLink(c.txHash),
    ]),
    "Spot checks proven",
    "spot-checks",
  )}`;
}

// ── transactions ───────────────────────────────────────────────────────────────────────────────
function txView(s: Snapshot, hash: string): string {
  const settled = s.requests.filter((r) => r.settleTx === hash);
  const ext = chain.config.txUrl
    ? `<a href="${esc(chain.config.txUrl.replaceAll("{hash}", encodeURIComponent(hash)))}" rel="noopener noreferrer" target="_blank">on the public block explorer</a>`
    : "";
  return `<h1>Transaction <code>${esc(shortHex(hash, 8))}</code></h1>
  ${dl([["Hash", `<code class="wrap">${esc(hash)}</code>${ext ? ` — ${ext}` : ""}`]])}
  <div id="tx" data-tx="${esc(hash)}"><p>Reading the transaction…</p></div>
  ${
    settled.length
      ? `<h2>Requests it settled</h2>${table(REQUEST_HEAD, requestRows(settled), "Requests settled by this transaction", "requests")}`
      : ""
  }`;
}

/** Fills the transaction view: the call decoded by the contracts' ABIs, its events, gas, time. */
async function fillTx(el: HTMLElement, hash: string): Promise<void> {
  const [tx, receipt] = await Promise.all([
    chain.provider.getTransaction(hash),
    chain.provider.getTransactionReceipt(hash),
  ]);
  if (!tx) {
    el.innerHTML = `<p class="alert" role="alert">No transaction ${esc(hash)} on this chain.</p>`;
    return;
  }
  const to = chain.ifaces.find((c) => c.address.toLowerCase() === tx.to?.toLowerCase());
  let call = "—";
  if (to) {
    try {
      const parsed = to.iface.parseTransaction({ data: tx.data, value: tx.value });
      if (parsed) call = `<code>${esc(parsed.name)}</code> on the ${esc(to.name.toLowerCase())}`;
    } catch {
      call = `an unknown function of the ${esc(to.name.toLowerCase())}`;
    }
  } else if (tx.to) call = `a call to <code>${esc(tx.to)}</code> (not a market contract)`;
  const events: string[][] = [];
  for (const log of receipt?.logs ?? []) {
    const c = chain.ifaces.find((x) => x.address.toLowerCase() === log.address.toLowerCase());
    let parsed = null;
    try {
      parsed = c?.iface.parseLog(log) ?? null;
    } catch {
      parsed = null;
    }
    events.push([
      parsed ? `<code>${esc(parsed.name)}</code>` : "—",
      c ? esc(c.name) : `<code>${esc(shortHex(log.address))}</code>`,
      parsed
        ? esc(
            parsed.fragment.inputs
              .filter((i) => i.type !== "bytes" && i.type !== "string" && !i.type.endsWith("[]"))
              .slice(0, 4)
              .map((i) => `${i.name} ${String(parsed!.args[i.name])}`)
              .join(", "),
          )
        : "",
    ]);
  }
  const block = receipt ? await chain.provider.getBlock(receipt.blockNumber) : null;
  el.innerHTML = `${dl([
    [
      "Status",
      receipt ? (receipt.status === 1 ? badge("succeeded", "ok") : badge("reverted", "bad")) : badge("pending", "open"),
    ],
    ["Call", call],
    ["From", `<code>${esc(tx.from)}</code>`],
    ["Value", eth(tx.value)],
    ["Block", receipt ? `${receipt.blockNumber}${block ? `, ${relative(block.timestamp, chainNow())}` : ""}` : "—"],
    ["Gas", receipt ? gas(receipt.gasUsed) : "—"],
  ])}<h2>Events</h2>${table(["Event", "Contract", "Fields"], events, "Events this transaction emitted", "tx-events")}`;
}

// ── routing and refresh ────────────────────────────────────────────────────────────────────────
let lastKey = "";
let lastRoute = "";

function render(): void {
  const route = location.hash.replace(/^#\/?/, "");
  const [page = "", arg = ""] = route.split("/");
  for (const a of document.querySelectorAll<HTMLAnchorElement>("nav a"))
    a.setAttribute(
      "aria-current",
      a.getAttribute("href") === `#/${page}` || a.getAttribute("href") === `#/${page}s` ? "page" : "false",
    );
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
              : page === "claims"
                ? claimsView(snap)
                : page === "claim"
                  ? claimView(snap, decodeURIComponent(arg))
                  : page === "retrievals"
                    ? retrievalsView(snap)
                    : page === "retrieval"
                      ? retrievalView(snap, decodeURIComponent(arg))
                      : page === "tx"
                        ? txView(snap, decodeURIComponent(arg))
                        : marketView(snap);
  const moved = route !== lastRoute;
  lastRoute = route;
  app().innerHTML = html + (readError ? `<p class="alert" role="alert">${esc(readError)}</p>` : "");
  document.title = `${document.querySelector("h1")?.textContent ?? "zkinfer"} · zkinfer explorer`;
  if (moved) document.querySelector<HTMLElement>("h1")?.focus();
  fillVerdicts();
  tick();
  if (page === "tx") {
    const el = document.getElementById("tx");
    if (el)
      void fillTx(el, el.dataset.tx!).catch((err: Error) => {
        el.innerHTML = `<p class="alert" role="alert">Could not read the transaction: ${esc(err.message.split("\n")[0]!)}</p>`;
      });
  }
  if (page === "provider") {
    const me = decodeURIComponent(arg).toLowerCase();
    const served = snap.requests.filter((r) => r.provider?.toLowerCase() === me);
    latencyChart(document.getElementById("chart-provider-latency")!, served);
    earningsChart(document.getElementById("chart-provider-earnings")!, served);
  }
  if (page === "" || page === "market") {
    latencyChart(document.getElementById("chart-latency")!, snap.requests);
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
