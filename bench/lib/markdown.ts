// Markdown for the generated sections of bench/README.md and docs/cost.md: deterministic (no
// locale, no clock), forgiving of any input (latest.json is read as unknown), and the marked
// section of a document found and replaced.

export const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);
/** The value when it is a plain object, else undefined (keeps its declared type). */
export const obj = <T extends object>(x: T | undefined): T | undefined => (isObject(x) ? x : undefined);
export const list = <T>(x: T[] | undefined): T[] => (Array.isArray(x) ? x : []);

/** A number with `digits` decimals (integers as they are); "-" for anything else. */
export function fmt(n: unknown, digits = 1): string {
  if (typeof n !== "number" || !Number.isFinite(n)) return "-";
  return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}
export const text = (s: unknown) => (typeof s === "string" && s !== "" ? s : "-");
/** A table cell: no line breaks, pipes escaped. */
export const cell = (s: string) => s.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");

export function table(head: string[], rows: string[][]): string[] {
  return [
    `| ${head.map(cell).join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ];
}

/** The text between two markers (without the line breaks right after the start and before the end). */
export function extractBetween(doc: string, start: string, end: string): string {
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from === -1 || to === -1 || to < from)
    throw new Error(`the document needs one ${start} ... ${end} section`);
  return doc
    .slice(from + start.length, to)
    .replace(/^\r?\n/, "")
    .replace(/\r?\n$/, "");
}

/** The document with the text between the markers replaced by `section`. */
export function replaceBetween(doc: string, start: string, end: string, section: string): string {
  extractBetween(doc, start, end); // throws without the markers
  return `${doc.slice(0, doc.indexOf(start))}${start}\n${section}\n${doc.slice(doc.indexOf(end))}`;
}
