// Small waiting helpers for the Durable Objects: a timer that can be called off, a signal that
// wakes every waiter at the next release, and a long-poll wait (JobWatch, WorkflowState).

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

/**
 * Resolves when the wake function is called or after `ms`, whichever comes first. `hold` registers
 * the wake function where a change will find it and returns how to remove it again; the wait
 * removes it either way, so a woken or timed-out waiter leaves nothing behind.
 */
export function wakeOrTimeout(ms: number, hold: (wake: () => void) => () => void): Promise<void> {
  return new Promise<void>((resolve) => {
    let release = () => {};
    const wake = () => {
      clearTimeout(handle);
      release();
      resolve();
    };
    const handle = setTimeout(wake, ms);
    release = hold(wake);
  });
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
