// Collects the `{"metering":…}` lines the metered Workers print (bench/workers/metering.ts) from
// wrangler's output, from the moment it is armed.
import type { Operation } from "../workers/metering";
import { type Counts, parseMeteringLine, sumCounts } from "./cost";
import { orderOperations, type TracedOperation } from "./operations";

export class MeteringCollector {
  private lines: { worker: string; counts: Counts; ops: Operation[] }[] = [];
  private armed = false;

  onLine = (line: string) => {
    if (!this.armed) return;
    const parsed = parseMeteringLine(line);
    if (parsed) this.lines.push(parsed);
  };

  /** Starts counting afresh (lines printed before, e.g. by health checks, are ignored). */
  arm(): void {
    this.lines = [];
    this.armed = true;
  }

  totals(): Counts {
    return sumCounts(this.lines.map((l) => l.counts));
  }

  /** Every operation since the collector was armed, in order. */
  operations(): TracedOperation[] {
    return orderOperations(this.lines);
  }
}
