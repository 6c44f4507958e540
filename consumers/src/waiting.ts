// Small waiting helpers for the TokenBucket: a timer that can be called off, and a signal that
// wakes every waiter at the next release.

/** A wait that can be called off: an acquire that got its slot must not keep a timer alive. */
export function timer<T extends string = "deadline">(
  ms: number,
  label = "deadline" as T,
): { elapsed: Promise<T>; cancel(): void } {
  let handle: ReturnType<typeof setTimeout> | null = null;
  const elapsed = new Promise<T>((resolve) => {
    handle = setTimeout(() => resolve(label), ms);
  });
  return {
    elapsed,
    cancel: () => {
      if (handle !== null) clearTimeout(handle);
    },
  };
}

/** Every waiter gets the same promise; `fire` resolves it, and the next wait starts a new one. */
export class ReleaseSignal {
  private pending: { promise: Promise<"released">; resolve: () => void } | null = null;

  next(): Promise<"released"> {
    if (!this.pending) {
      let resolve!: () => void;
      const promise = new Promise<"released">((r) => {
        resolve = () => r("released");
      });
      this.pending = { promise, resolve };
    }
    return this.pending.promise;
  }

  fire(): void {
    this.pending?.resolve();
    this.pending = null;
  }
}
