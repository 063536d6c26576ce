/** Numbers and times in words: ETH with units, "3 minutes ago", "in 9 minutes". */
import { formatEther } from "ethers";

/** "0.0099 ETH"; up to 6 significant decimals, trailing zeros dropped. */
export function eth(wei: bigint | undefined | null): string {
  if (wei === undefined || wei === null) return "—";
  const [whole, frac = ""] = formatEther(wei).split(".");
  const f = frac.slice(0, 6).replace(/0+$/, "");
  return `${whole}${f ? "." + f : ""} ETH`;
}

const UNITS: [number, string][] = [
  [86_400, "day"],
  [3_600, "hour"],
  [60, "minute"],
  [1, "second"],
];

/** "2 hours 5 minutes", "41 seconds" (two largest units). */
export function duration(seconds: number): string {
  let s = Math.max(0, Math.round(seconds));
  if (s === 0) return "0 seconds";
  const parts: string[] = [];
  for (const [size, name] of UNITS) {
    const n = Math.floor(s / size);
    if (n > 0 && parts.length < 2) {
      parts.push(`${n} ${name}${n === 1 ? "" : "s"}`);
      s -= n * size;
    } else if (parts.length > 0) break;
  }
  return parts.join(" ");
}

/** "5 minutes ago" / "in 5 minutes", relative to `now` (both in seconds). */
export function relative(at: number, now: number): string {
  const d = at - now;
  if (Math.abs(d) < 1) return "now";
  return d > 0 ? `in ${duration(d)}` : `${duration(-d)} ago`;
}

export function shortHex(h: string, n = 6): string {
  return h.length <= 2 + 2 * n ? h : `${h.slice(0, 2 + n)}…${h.slice(-4)}`;
}

export function gas(g: bigint | undefined): string {
  return g === undefined ? "—" : `${Number(g).toLocaleString("en-US")} gas`;
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
