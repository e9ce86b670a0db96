/**
 * The benchmark convention (docs/benchmarks.md, "How figures are produced"): every bench/*.ts
 * honours `--quick` and ends with one `BENCH {json}` line per figure, which `npm run bench`
 * collects into docs/benchmarks.md. Lives under bench/_lib so the harness does not run it.
 */
import path from "node:path";

export interface Figure {
  figure: string;
  value: number;
  unit: string;
  /** The same-run baseline the figure is compared with (same unit), or null. */
  baseline: number | null;
  /** What the figure should be, in words (e.g. "≥ 0.5× read_json"), or null. */
  target: string | null;
  /** Peak RSS in MB of each process that took part. */
  peakRssMb: Record<string, number>;
}

/** True when the harness (or the user) asked for the small, fast variant. */
export function quickMode(argv: readonly string[] = process.argv): boolean {
  return argv.includes("--quick");
}

/** The value after `--name` on the command line, or `fallback`. */
export function option(name: string, fallback: string, argv: readonly string[] = process.argv): string {
  const k = argv.indexOf(`--${name}`);
  return k > 0 ? (argv[k + 1] ?? fallback) : fallback;
}

/** Prints the machine-readable lines of `figures` for the benchmark file `file` (import.meta.url). */
export function printFigures(file: string, figures: readonly Figure[]): void {
  const bench = path.basename(new URL(file).pathname).replace(/\.ts$/, "");
  for (const f of figures) {
    const value = Number.isFinite(f.value) ? Number(f.value.toPrecision(6)) : null;
    const baseline =
      f.baseline !== null && Number.isFinite(f.baseline) ? Number(f.baseline.toPrecision(6)) : null;
    process.stdout.write(`BENCH ${JSON.stringify({ bench, ...f, value, baseline })}\n`);
  }
}

/** Peak RSS of this process so far, in MB. */
export function ownPeakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
