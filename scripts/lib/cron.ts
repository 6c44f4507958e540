// The next time a cron expression fires, for `npm start`'s local run of the consumer's cron
// (wrangler dev fires none). Five fields, in UTC as Cloudflare runs them; numbers, `*`, ranges,
// steps and lists. Names (MON, JAN) and L / W / # are refused with a clear error, not guessed.

const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day of week", min: 0, max: 7 },
] as const;

function parseField(text: string, field: (typeof FIELDS)[number]): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match)
      throw new Error(`cron ${field.name} "${part}" is not supported (numbers, *, a-b, /n and lists)`);
    const [, all, from, to, step] = match;
    const start = all === "*" ? field.min : Number(from);
    const end = all === "*" ? field.max : to !== undefined ? Number(to) : step ? field.max : start;
    const by = step ? Number(step) : 1;
    if (start < field.min || end > field.max || start > end || by < 1)
      throw new Error(`cron ${field.name} "${part}" is out of range ${field.min}-${field.max}`);
    for (let v = start; v <= end; v += by) values.add(field.name === "day of week" && v === 7 ? 0 : v);
  }
  return values;
}

export interface Cron {
  /** The first time after `after` (exclusive, whole minutes) that the expression matches. */
  next(after: Date): Date;
}

export function parseCron(expression: string): Cron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== FIELDS.length) throw new Error(`cron "${expression}" must have 5 fields`);
  const [minutes, hours, days, months, weekdays] = FIELDS.map((f, i) => parseField(parts[i] ?? "", f));
  // Standard cron: when both day fields are restricted, either may match.
  const dayRestricted = parts[2] !== "*";
  const weekdayRestricted = parts[4] !== "*";
  const dayMatches = (t: Date) => {
    const byDay = days?.has(t.getUTCDate()) ?? false;
    const byWeekday = weekdays?.has(t.getUTCDay()) ?? false;
    if (dayRestricted && weekdayRestricted) return byDay || byWeekday;
    return (!dayRestricted || byDay) && (!weekdayRestricted || byWeekday);
  };
  return {
    next(after) {
      const t = new Date(after.getTime());
      t.setUTCSeconds(0, 0);
      t.setUTCMinutes(t.getUTCMinutes() + 1);
      // Minute by minute, at most a little over four years (a 29 February schedule).
      for (let i = 0; i < 4 * 366 * 24 * 60 + 1; i++) {
        if (
          minutes?.has(t.getUTCMinutes()) &&
          hours?.has(t.getUTCHours()) &&
          months?.has(t.getUTCMonth() + 1) &&
          dayMatches(t)
        )
          return t;
        t.setUTCMinutes(t.getUTCMinutes() + 1);
      }
      throw new Error(`cron "${expression}" never fires`);
    },
  };
}
