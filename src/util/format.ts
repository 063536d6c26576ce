/**
 * How amounts and times are shown to a user: ETH (never wei, which only `--json` prints) and
 * dates with a relative "in N min".
 */

/** "0.001 ETH" (full precision, no trailing zeros). */
export function formatEth(wei: bigint): string {
  const neg = wei < 0n;
  const w = neg ? -wei : wei;
  const whole = w / 10n ** 18n;
  const frac = (w % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${whole}${frac ? "." + frac : ""} ETH`;
}

/** A unix time as "2026-12-03 09:12:00 UTC". */
export function formatTime(unix: bigint | number): string {
  const d = new Date(Number(unix) * 1000);
  return Number.isFinite(d.getTime())
    ? d
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d+Z$/, " UTC")
    : String(unix);
}
/** "2026-12-03 09:12:00 UTC (in 5 min)" / "(3 min ago)", relative to `now` (unix seconds). */
export function formatDeadline(unix: bigint | number, now: bigint | number = Math.floor(Date.now() / 1000)): string {
  const dt = Number(unix) - Number(now);
  const mins = Math.round(Math.abs(dt) / 60);
  const rel =
    Math.abs(dt) < 60 ? (dt >= 0 ? `in ${dt} s` : `${-dt} s ago`) : dt >= 0 ? `in ${mins} min` : `${mins} min ago`;
  return `${formatTime(unix)} (${rel})`;
}
