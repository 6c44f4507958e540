// The archive's object format: JSON lines, each line compressed as its own gzip member, the members
// concatenated. A file of concatenated members is a valid gzip file (RFC 1952 §2.2), so `zcat` or
// `gunzip` reads a whole object as plain JSON lines; and because each member stands alone, one job
// is read back with one ranged R2 GET of its member (offset and length kept on its tombstone row),
// never the whole object. Compression is the runtime's CompressionStream: no library.
import type { deadLetters, webhookEvents } from "../db/schema";
import type { JobRow } from "../db/queries/jobs";

/** One archived job: its row as it was before archiving, and the rows that went with it. */
export interface ArchivedJobLine {
  v: 1;
  job: JobRow;
  webhook_events: (typeof webhookEvents.$inferSelect)[];
  dead_letters: (typeof deadLetters.$inferSelect)[];
}

/** The line left in place of a job that did not become a tombstone (it stays live in D1). */
export interface VoidLine {
  v: 1;
  void: true;
}

/** Where one job's line is: object key, and its member's byte range. */
export interface ArchiveRef {
  key: string;
  offset: number;
  length: number;
}

/** Bytes over a plain ArrayBuffer, as Blob and R2 take them. */
type Bytes = Uint8Array<ArrayBuffer>;

async function pipe(bytes: Bytes, stream: CompressionStream | DecompressionStream): Promise<Bytes> {
  const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

// TextEncoder always answers a fresh ArrayBuffer (its type says ArrayBufferLike).
const encodeLine = (line: ArchivedJobLine | VoidLine) =>
  new TextEncoder().encode(`${JSON.stringify(line)}\n`) as Bytes;

/** One line as one gzip member. */
export function gzipLine(line: ArchivedJobLine | VoidLine): Promise<Bytes> {
  return pipe(encodeLine(line), new CompressionStream("gzip"));
}

/** A line's size before compression, newline included. */
export function lineBytes(line: ArchivedJobLine | VoidLine): number {
  return encodeLine(line).length;
}

export async function gunzipText(bytes: Bytes): Promise<string> {
  return new TextDecoder().decode(await pipe(bytes, new DecompressionStream("gzip")));
}

const GZIP_HEADER_BYTES = 10;
const FLG_BYTE = 3;
const FCOMMENT = 0x10;

/**
 * `member` grown to exactly `length` bytes with a gzip comment (FCOMMENT: spaces, then a NUL)
 * after its header; a reader skips the comment, so the member decodes to the same line. This lets
 * a line be replaced in place by a shorter one (a void line, a redacted one) without moving the
 * members after it, whose offsets other tombstones hold. Null when it does not fit.
 */
export function padMember(member: Bytes, length: number): Bytes | null {
  const extra = length - member.length;
  if (extra === 0) return member;
  // The runtime's header has no optional field (FLG 0): the comment goes right after it.
  if (extra < 1 || member[FLG_BYTE] !== 0) return null;
  const out = new Uint8Array(length);
  out.set(member.subarray(0, GZIP_HEADER_BYTES));
  out[FLG_BYTE] = FCOMMENT;
  out.fill(0x20, GZIP_HEADER_BYTES, GZIP_HEADER_BYTES + extra - 1);
  out[GZIP_HEADER_BYTES + extra - 1] = 0;
  out.set(member.subarray(GZIP_HEADER_BYTES), GZIP_HEADER_BYTES + extra);
  return out;
}

/** The members laid end to end, and each one's [offset, length) in the result. */
export function concatMembers(members: readonly Bytes[]): {
  body: Bytes;
  ranges: { offset: number; length: number }[];
} {
  const body = new Uint8Array(members.reduce((sum, m) => sum + m.length, 0));
  const ranges: { offset: number; length: number }[] = [];
  let offset = 0;
  for (const member of members) {
    body.set(member, offset);
    ranges.push({ offset, length: member.length });
    offset += member.length;
  }
  return { body, ranges };
}

/** The R2 key of a new archive object: under the instance's prefix, by the day it was written. */
export function archiveObjectKey(instanceId: string, now: number, token: string): string {
  return `${instanceId}/archive/${new Date(now).toISOString().slice(0, 10)}/${token}.jsonl.gz`;
}

export type ArchiveReader = Pick<R2Bucket, "get">;

/**
 * A job's line read back: one ranged GET, one member decompressed. Throws when the object or the
 * member is missing or holds another job (the caller answers 503: the tombstone alone cannot).
 */
export async function readArchivedLine(
  bucket: ArchiveReader,
  ref: ArchiveRef,
  jobId: string,
): Promise<ArchivedJobLine> {
  const object = await bucket.get(ref.key, { range: { offset: ref.offset, length: ref.length } });
  if (!object) throw new Error(`archive object ${ref.key} not found (job ${jobId})`);
  const line = JSON.parse(await gunzipText(new Uint8Array(await object.arrayBuffer()))) as
    | ArchivedJobLine
    | VoidLine;
  if ("void" in line || line.job.id !== jobId) {
    throw new Error(`archive object ${ref.key} holds no line of job ${jobId} at ${ref.offset}`);
  }
  return line;
}
