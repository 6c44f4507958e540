// Workflow priority in pacing, pure. A job's priority (its workflow's, -100..100; 0 outside
// workflows) ages upward with the job: one level per minute since it was created, so a
// low-priority job passed over by newer ones still runs eventually. Jobs without a priority do
// not age: they ask at 0, as before priorities existed.

/** Levels gained per minute a job has existed. */
export const AGEING_PER_MINUTE = 1;

export function effectivePriority(priority: number, createdAt: number, now: number): number {
  const minutes = Math.max(0, Math.floor((now - createdAt) / 60_000));
  return priority + minutes * AGEING_PER_MINUTE;
}

/** Whether any caller waiting in the pacing object (other than `self`) outranks `priority`. */
export function outranked(waiting: ReadonlyMap<string, number>, self: string, priority: number): boolean {
  for (const [id, theirs] of waiting) if (id !== self && theirs > priority) return true;
  return false;
}
