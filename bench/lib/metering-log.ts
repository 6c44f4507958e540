// Collects the `{"metering":…}` lines the metered Workers print (bench/workers/metering.ts) from
// wrangler's output, from the moment it is armed.
import { type Counts, parseMeteringLine, sumCounts } from "./cost";

export class MeteringCollector {
  private lines: { worker: string; counts: Counts }[] = [];
  private armed = false;

  onLine = (line: string) => {
    if (!this.armed) return;
    const parsed = parseMeteringLine(line);
    if (parsed) this.lines.push(parsed);
  };

  /** Starts counting (lines printed before, e.g. by health checks, are ignored). */
  arm(): void {
    this.lines = [];
    this.armed = true;
  }

  totals(): Counts {
    return sumCounts(this.lines.map((l) => l.counts));
  }
}
