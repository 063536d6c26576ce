/**
 * Progress lines for long work ("compiling circuit…", "proving…"), stamped with the time since
 * start, so a user sees what is happening and how long each step took.
 */
export type Say = (message: string) => void;

export function progress(out: NodeJS.WritableStream = process.stderr): Say {
  const t0 = Date.now();
  return (message: string) => {
    const s = ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
    out.write(`[${s}s] ${message}\n`);
  };
}
