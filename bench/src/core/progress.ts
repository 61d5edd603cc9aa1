const started = Date.now();
let label = 'bench';

/** Names the run in progress lines (the chaos run reuses these helpers). */
export function setProgressLabel(name: string): void {
  label = name;
}

/** Writes one progress line to stderr, stamped with the run's label and the seconds since it started. */
export function progress(message: string): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${label} ${seconds}s] ${message}\n`);
}
