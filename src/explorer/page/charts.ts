/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The charts (uPlot): bounty → payout latency over time, gas per settled request (single vs
 * batch), open requests over time, a provider's earnings over time. Built from the snapshot only:
 * no extra chain reads.
 */
import uPlot from "uplot";

import { duration } from "./format.js";
import { eth } from "./format.js";
import type { RequestRow, Snapshot } from "./data.js";

function size(el: HTMLElement): { width: number; height: number } {
  return { width: Math.max(260, Math.min(el.clientWidth || 600, 900)), height: 220 };
}

const timeAxis: uPlot.Axis = { stroke: "#555" };

/** Distinct increasing x values (uPlot needs them): ties nudged by a millisecond each. */
function distinct(xs: number[]): number[] {
  return xs.map((x, i) => x + i * 1e-3);
}

/** Bounty posted → proof accepted, in seconds, per fulfilled request (of `requests`), over time. */
export function latencyChart(el: HTMLElement, requests: readonly RequestRow[]): uPlot | null {
  const rows = requests.filter((r) => r.settledAt !== undefined).sort((a, b) => a.settledAt! - b.settledAt!);
  if (rows.length === 0) return null;
  const data: uPlot.AlignedData = [distinct(rows.map((r) => r.settledAt!)), rows.map((r) => r.settledAt! - r.postedAt)];
  return new uPlot(
    {
      ...size(el),
      title: "Bounty → payout latency",
      series: [
        {},
        {
          label: "latency",
          stroke: "#1f6feb",
          width: 2,
          points: { show: true, size: 7 },
          value: (_u, v) => (v === null ? "—" : duration(v)),
        },
      ],
      axes: [timeAxis, { stroke: "#555", label: "seconds" }],
    },
    data,
    el,
  );
}

/** Gas per settled request: a single proof's transaction, or a batch's divided by its size. */
export function gasChart(el: HTMLElement, snap: Snapshot): uPlot | null {
  const s = snap.settlements;
  if (s.length === 0) return null;
  // Distinct x values (uPlot needs increasing x): nudge ties by a millisecond.
  const xs = s.map((t, i) => t.at + i * 1e-3);
  const per = (t: (typeof s)[number]) => Number(t.gasUsed) / t.requestIds.length;
  const data: uPlot.AlignedData = [
    xs,
    s.map((t) => (t.requestIds.length === 1 ? per(t) : null)),
    s.map((t) => (t.requestIds.length > 1 ? per(t) : null)),
  ];
  const fmt = (_u: uPlot, v: number | null) => (v === null ? "—" : `${Math.round(v).toLocaleString("en-US")} gas`);
  return new uPlot(
    {
      ...size(el),
      title: "Gas per settled request",
      series: [
        {},
        { label: "single proof", stroke: "#8250df", width: 0, points: { show: true, size: 8 }, value: fmt },
        { label: "batch (per request)", stroke: "#1a7f37", width: 0, points: { show: true, size: 8 }, value: fmt },
      ],
      axes: [timeAxis, { stroke: "#555", size: 70 }],
    },
    data,
    el,
  );
}

/** Open requests after each posting and each settlement, decline or reclaim. */
export function openChart(el: HTMLElement, snap: Snapshot): uPlot | null {
  const steps: [number, number][] = [];
  for (const r of snap.requests) {
    steps.push([r.postedAt, 1]);
    const closed = r.settledAt ?? r.closedAt;
    if (closed !== undefined) steps.push([closed, -1]);
  }
  if (steps.length === 0) return null;
  steps.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const xs: number[] = [];
  const ys: number[] = [];
  let open = 0;
  for (const [t, d] of steps) {
    open += d;
    if (xs.length > 0 && xs[xs.length - 1] === t) ys[ys.length - 1] = open;
    else {
      xs.push(t);
      ys.push(open);
    }
  }
  xs.push(Math.max(snap.chainTime, xs[xs.length - 1]! + 1));
  ys.push(open);
  return new uPlot(
    {
      ...size(el),
      title: "Open requests",
      series: [{}, { label: "open", stroke: "#bf3989", width: 2, paths: uPlot.paths.stepped!({ align: 1 }) }],
      axes: [timeAxis, { stroke: "#555" }],
    },
    [xs, ys],
    el,
  );
}

/** A provider's payouts added up over time (ETH), one step per settled request. */
export function earningsChart(el: HTMLElement, served: readonly RequestRow[]): uPlot | null {
  const rows = served.filter((r) => r.settledAt !== undefined).sort((a, b) => a.settledAt! - b.settledAt!);
  if (rows.length === 0) return null;
  let total = 0n;
  const ys = rows.map((r) => Number((total += r.payout ?? 0n)) / 1e18);
  return new uPlot(
    {
      ...size(el),
      title: "Earnings",
      series: [
        {},
        {
          label: "paid to the provider",
          stroke: "#1a7f37",
          width: 2,
          paths: uPlot.paths.stepped!({ align: 1 }),
          value: (_u, v) => (v === null ? "—" : eth(BigInt(Math.round(v * 1e18)))),
        },
      ],
      axes: [timeAxis, { stroke: "#555", label: "ETH", size: 60 }],
    },
    [distinct(rows.map((r) => r.settledAt!)), ys],
    el,
  );
}
