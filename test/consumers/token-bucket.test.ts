import {
  evictDurableObject,
  listDurableObjectIds,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PacingLimits } from "../../consumers/src/pacing-types";
import { IDLE_TTL_MS } from "../../consumers/src/token-bucket";
import { JITTER_WINDOW_MS } from "../../shared/pacing/jitter";
import { bucketState } from "./bucket-state";

// The object runs in the test isolate, so a faked Date drives its clock too. Fake time starts a
// day ahead of the real clock: workerd fires alarms on real time, and one set in the real past
// would run on its own in the middle of a test.
const T0 = Math.ceil(Date.now() / 1000) * 1000 + 86_400_000;
const limits: PacingLimits = {
  ratePerSecond: 1,
  burst: 2,
  maxInFlight: 10,
  leaseTtlMs: 60_000,
  failureThreshold: 2,
  cooldownMs: 10_000,
};
const bucket = (instance: string) => env.TOKEN_BUCKET.getByName(`instance:${instance}:provider:demo`);
const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("TokenBucket", () => {
  it("grants the burst, then denies for rate with an exact wait and no debit", async () => {
    const stub = bucket("rate");
    expect(await stub.acquire({ leaseId: "a", limits })).toMatchObject({ granted: true, leaseId: "a" });
    expect(await stub.acquire({ leaseId: "b", limits })).toMatchObject({ granted: true });
    expect(await stub.acquire({ leaseId: "c", limits })).toEqual({
      granted: false,
      retryAfterMs: 1000,
      reason: "rate",
    });
    advance(400);
    expect(await stub.acquire({ leaseId: "c", limits })).toMatchObject({ retryAfterMs: 600 });
    advance(600);
    expect(await stub.acquire({ leaseId: "c", limits })).toMatchObject({ granted: true });
  });

  it("denies in_flight while the slots are held and frees a slot on release", async () => {
    const stub = bucket("inflight");
    const one = { ...limits, maxInFlight: 1 };
    expect(await stub.acquire({ leaseId: "a", limits: one })).toMatchObject({ granted: true });
    expect(await stub.acquire({ leaseId: "b", limits: one })).toMatchObject({
      granted: false,
      reason: "in_flight",
    });
    expect(await stub.release("a", "success")).toEqual({ released: true });
    expect(await stub.release("a", "success")).toEqual({ released: false });
    expect(await stub.acquire({ leaseId: "b", limits: one })).toMatchObject({ granted: true });
    expect((await bucketState(stub)).inFlight).toBe(1);
  });

  it("holds a caller willing to wait until a slot is released, and only one caller per slot", async () => {
    const stub = bucket("inflight-wait");
    const one = { ...limits, burst: 5, maxInFlight: 1 };
    await stub.acquire({ leaseId: "a", limits: one });
    const b = stub.acquire({ leaseId: "b", limits: one, maxWaitMs: 5_000 });
    const c = stub.acquire({ leaseId: "c", limits: one, maxWaitMs: 200 });
    await stub.release("a", "success");
    expect(await b).toMatchObject({ granted: true, leaseId: "b" });
    // c woke too, found the slot taken by b, and gave up when its 200 ms ran out.
    expect(await c).toMatchObject({ granted: false, reason: "in_flight" });
    expect((await bucketState(stub)).inFlight).toBe(1);
  });

  it("books tokens ahead, 1/rate apart, no more than the bucket holds", async () => {
    const stub = bucket("booking");
    const three = { ...limits, ratePerSecond: 5, burst: 3 };
    const book = (leaseId: string) => stub.acquire({ leaseId, limits: three, maxWaitMs: 50 });
    for (const id of ["a", "b", "c"]) expect(await book(id)).toMatchObject({ granted: true, waitMs: 0 });
    // The horizon is 50 ms here (the caller's wait): no token is due that soon, nor will one fit
    // within the wait, so the answer comes at once.
    expect(await book("d")).toEqual({ granted: false, retryAfterMs: 150, reason: "rate" });
    const wide = (leaseId: string) => stub.acquire({ leaseId, limits: three, maxWaitMs: 3000 });
    // With a 3 s wait the horizon is the bucket's 600 ms: three bookings, then a wait.
    expect(await wide("d")).toMatchObject({ granted: true, waitMs: 200 });
    expect(await wide("e")).toMatchObject({ granted: true, waitMs: 400 });
    expect(await wide("f")).toMatchObject({ granted: true, waitMs: 600 });
    // Booked slots hold in-flight units from the booking on.
    expect((await bucketState(stub)).inFlight).toBe(6);
    // An 800 ms booking would fit a 1 s wait, but not the bucket's horizon: held, then refused.
    expect(await stub.acquire({ leaseId: "g", limits: three, maxWaitMs: 1000 })).toMatchObject({
      granted: false,
      reason: "rate",
    });
  });

  it("judges a caller that checks in by its own clock, and books a late one again", async () => {
    const stub = bucket("check-in");
    const three = { ...limits, ratePerSecond: 5, burst: 3 };
    const book = (leaseId: string) => stub.acquire({ leaseId, limits: three, maxWaitMs: 3000 });
    for (const id of ["a", "b", "c"]) await book(id);
    expect(await book("d")).toMatchObject({ granted: true, waitMs: 200, dueAt: T0 + 200 });
    expect(await book("e")).toMatchObject({ granted: true, dueAt: T0 + 400 });
    advance(150);
    expect(await stub.checkIn(T0 + 200)).toEqual({ kind: "early", waitMs: 50 });
    advance(250); // +400: 200 ms late, within one token's tolerance
    expect(await stub.checkIn(T0 + 200)).toEqual({ kind: "due" });
    advance(50); // +450: "d" checks in again, 250 ms late: booked behind "e", and it stays booked
    expect(await stub.checkIn(T0 + 200)).toEqual({ kind: "rebooked", dueAt: T0 + 600, waitMs: 150 });
    expect(await book("f")).toMatchObject({ granted: true, dueAt: T0 + 800 });
  });

  it("spaces its answers wider while callers' lateness varies, and returns to the limits after", async () => {
    const stub = bucket("jitter");
    const three = { ...limits, ratePerSecond: 5, burst: 3, maxInFlight: 20 };
    const book = (leaseId: string) => stub.acquire({ leaseId, limits: three, maxWaitMs: 3000 });
    for (const id of ["a", "b", "c"]) await book(id);
    expect(await book("d")).toMatchObject({ dueAt: T0 + 200 });
    advance(200);
    expect(await stub.checkIn(T0 + 200)).toEqual({ kind: "due" }); // on time
    expect(await book("e")).toMatchObject({ dueAt: T0 + 400 });
    advance(800); // +1000: "e" checks in 600 ms late; lateness now varies by 600 ms
    expect(await stub.checkIn(T0 + 400)).toMatchObject({ kind: "rebooked", dueAt: T0 + 1000 });
    // 5/s for 600 ms could bunch 3 calls where the burst has 2 to spare: no burst, and 2 spare
    // calls per 600 ms (3.333/s), so the next answer is 300 ms out, not 200.
    expect(await bucketState(stub)).toMatchObject({
      jitterMs: 600,
      answering: { capacity: 1, ratePerSecond: 3.333 },
    });
    expect(await book("f")).toMatchObject({ granted: true, dueAt: T0 + 1301 });
    advance(300); // tokens come back at the narrowed rate too: "g" is 300 ms after "f", not 150
    expect(await book("g")).toMatchObject({ granted: true, dueAt: T0 + 1601 });
    advance(JITTER_WINDOW_MS); // the lateness is forgotten: the instance's own limits again
    for (const id of ["h", "i", "j"]) expect(await book(id)).toMatchObject({ waitMs: 0 });
    expect(await book("k")).toMatchObject({ waitMs: 200 });
    expect(await bucketState(stub)).toMatchObject({
      jitterMs: 0,
      answering: { capacity: 3, ratePerSecond: 5 },
    });
  });

  it("holds a caller until its booking fits, then books it", async () => {
    const stub = bucket("booking-held");
    const one = { ...limits, ratePerSecond: 5, burst: 1 };
    await stub.acquire({ leaseId: "a", limits: one });
    await stub.acquire({ leaseId: "b", limits: one, maxWaitMs: 3000 });
    const c = stub.acquire({ leaseId: "c", limits: one, maxWaitMs: 3000 });
    // The bucket's clock is the test's: once 200 ms have passed, c's booking fits.
    await new Promise((r) => setTimeout(r, 50));
    advance(200);
    expect(await c).toMatchObject({ granted: true, waitMs: 200 });
  });

  it("a refused booking debits nothing", async () => {
    const stub = bucket("booking-refused");
    const slow = { ...limits, ratePerSecond: 1, burst: 1 };
    await stub.acquire({ leaseId: "a", limits: slow });
    for (let i = 0; i < 5; i++) {
      expect(await stub.acquire({ leaseId: `n${i}`, limits: slow, maxWaitMs: 400 })).toMatchObject({
        granted: false,
        retryAfterMs: 600,
      });
    }
    expect(await stub.acquire({ leaseId: "b", limits: slow, maxWaitMs: 1000 })).toMatchObject({
      granted: true,
      waitMs: 1000,
    });
  });

  it("counts weight against maxInFlight", async () => {
    const stub = bucket("weight");
    const four = { ...limits, maxInFlight: 4 };
    expect(await stub.acquire({ leaseId: "a", weight: 3, limits: four })).toMatchObject({ granted: true });
    expect(await stub.acquire({ leaseId: "b", weight: 2, limits: four })).toMatchObject({
      reason: "in_flight",
    });
  });

  it("keeps the token of a call that was never made spent, so no later booking lands on another", async () => {
    const stub = bucket("unused");
    await stub.acquire({ leaseId: "a", limits });
    expect((await bucketState(stub)).tokens).toBe(1);
    await stub.release("a", "not_called");
    expect((await bucketState(stub)).tokens).toBe(1);
    expect(await bucketState(stub)).toMatchObject({ inFlight: 0, leases: 0 });
  });

  it("opens the circuit on retryable failures only and lets one probe through after the cooldown", async () => {
    const stub = bucket("circuit");
    const call = async (
      id: string,
      outcome: "success" | "retryable_failure" | "rate_limited" | "permanent_failure",
    ) => {
      expect(await stub.acquire({ leaseId: id, limits })).toMatchObject({ granted: true });
      await stub.release(id, outcome);
      advance(1_000);
    };
    await call("p1", "permanent_failure");
    await call("r1", "retryable_failure");
    await call("p2", "permanent_failure");
    // A provider's 429 says it is up and busy, not down: it never counts towards opening.
    await call("l1", "rate_limited");
    await call("l2", "rate_limited");
    expect((await bucketState(stub)).circuit).toMatchObject({ status: "closed", failures: 1 });
    await call("r2", "retryable_failure");
    expect((await bucketState(stub)).circuit.status).toBe("open");
    expect(await stub.acquire({ leaseId: "x", limits })).toEqual({
      granted: false,
      retryAfterMs: 9_000,
      reason: "circuit_open",
    });

    advance(9_000);
    expect(await stub.acquire({ leaseId: "probe", limits })).toMatchObject({ granted: true, probe: true });
    expect(await stub.acquire({ leaseId: "y", limits })).toMatchObject({
      granted: false,
      reason: "circuit_open",
    });
    await stub.release("probe", "success");
    expect((await bucketState(stub)).circuit).toEqual({ status: "closed", failures: 0, openedAt: null });
    expect(await stub.acquire({ leaseId: "y", limits })).toMatchObject({ granted: true, probe: false });
  });

  it("asks callers to look again within 2 s while the half-open probe runs, not when its lease ends", async () => {
    const stub = bucket("half-open-wait");
    for (const id of ["f1", "f2"]) {
      await stub.acquire({ leaseId: id, limits });
      await stub.release(id, "retryable_failure");
    }
    advance(10_000);
    expect(await stub.acquire({ leaseId: "probe", limits })).toMatchObject({ granted: true, probe: true });
    expect(await stub.acquire({ leaseId: "other", limits })).toEqual({
      granted: false,
      retryAfterMs: 2_000,
      reason: "circuit_open",
    });
  });

  it("keeps instances independent", async () => {
    const i1 = bucket("i1");
    const i2 = bucket("i2");
    await i1.acquire({ leaseId: "a", limits });
    await i1.acquire({ leaseId: "b", limits });
    expect(await i1.acquire({ leaseId: "c", limits })).toMatchObject({ granted: false, reason: "rate" });
    expect(await i2.acquire({ leaseId: "c", limits })).toMatchObject({ granted: true });
    const ids = (await listDurableObjectIds(env.TOKEN_BUCKET)).map((id) => id.toString());
    expect(ids).toEqual(expect.arrayContaining([i1.id.toString(), i2.id.toString()]));
  });

  it("keeps tokens, leases and circuit across an eviction", async () => {
    const stub = bucket("evict");
    await stub.acquire({ leaseId: "held", limits: { ...limits, failureThreshold: 1 } });
    await stub.acquire({ leaseId: "failed", limits: { ...limits, failureThreshold: 1 } });
    await stub.release("failed", "retryable_failure");
    const before = await bucketState(stub);
    await evictDurableObject(stub);

    const after = await bucketState(bucket("evict"));
    expect(after).toEqual(before);
    expect(after).toMatchObject({ tokens: 0, inFlight: 1, circuit: { status: "open" } });
    const rows = await runInDurableObject(stub, (_, state) =>
      state.storage.sql.exec<{ id: string }>("SELECT id FROM leases").toArray(),
    );
    expect(rows).toEqual([{ id: "held" }]);
  });

  it("writes its state on a release only when the circuit changes, and keeps it across an eviction", async () => {
    const stub = bucket("release-writes");
    const stored = () =>
      runInDurableObject(stub, (_, state) =>
        state.storage.sql
          .exec<{ at: number; failures: number }>("SELECT last_active_at AS at, failures FROM pacing")
          .one(),
      );
    await stub.acquire({ leaseId: "ok", limits });
    await stub.acquire({ leaseId: "bad", limits });
    advance(500);
    await stub.release("ok", "success");
    // A success on a healthy circuit changes nothing worth a row: the acquire's row stands.
    expect(await stored()).toEqual({ at: T0, failures: 0 });
    await stub.release("bad", "retryable_failure");
    expect(await stored()).toEqual({ at: T0 + 500, failures: 1 });
    await evictDurableObject(stub);
    expect(await bucketState(bucket("release-writes"))).toMatchObject({
      inFlight: 0,
      circuit: { failures: 1 },
    });
  });

  it("moves the leases of an object made before they were WITHOUT ROWID to the new table", async () => {
    const stub = bucket("old-leases");
    await stub.acquire({ leaseId: "live", limits });
    await runInDurableObject(stub, (_, state) => {
      state.storage.sql.exec(`DROP TABLE leases;
        CREATE TABLE leases (id TEXT PRIMARY KEY, weight REAL NOT NULL, expires_at INTEGER NOT NULL);
        INSERT INTO leases VALUES ('live', 1, ${T0 + 60_000});`);
    });
    await evictDurableObject(stub);
    expect(await bucketState(bucket("old-leases"))).toMatchObject({ inFlight: 1, leases: 1 });
    const table = await runInDurableObject(bucket("old-leases"), (_, state) =>
      state.storage.sql.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'leases'").one(),
    );
    expect(table.sql).toMatch(/WITHOUT ROWID/);
  });

  it("answers under limits that changed from the acquire that brings them", async () => {
    const stub = bucket("limits-change");
    const slow = { ...limits, ratePerSecond: 1, burst: 1 };
    const fast = { ...limits, ratePerSecond: 10, burst: 1 };
    await stub.acquire({ leaseId: "a", limits: slow });
    advance(1000);
    expect(await stub.acquire({ leaseId: "b", limits: fast })).toMatchObject({ granted: true });
    expect((await bucketState(stub)).limits).toMatchObject({ ratePerSecond: 10, burst: 1 });
    // The next token comes at the new rate: 100 ms, not 1 s.
    expect(await stub.acquire({ leaseId: "c", limits: fast })).toEqual({
      granted: false,
      retryAfterMs: 100,
      reason: "rate",
    });
  });

  it("deletes idle state in the alarm", async () => {
    const stub = bucket("idle");
    await stub.acquire({ leaseId: "a", limits });
    await stub.release("a", "not_called");
    const scheduled = await runInDurableObject(stub, (_, state) => state.storage.getAlarm());
    expect(scheduled).toBe(T0 + IDLE_TTL_MS);

    advance(IDLE_TTL_MS);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const tables = await runInDurableObject(stub, (_, state) =>
      state.storage.sql
        .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('pacing', 'leases')")
        .toArray(),
    );
    expect(tables).toEqual([]);
    expect((await bucketState(stub)).limits).toBeNull();
    // Usable again at once: the next acquire brings its limits.
    expect(await stub.acquire({ leaseId: "b", limits })).toMatchObject({ granted: true });
  });

  it("keeps state and reschedules the alarm while a lease is live", async () => {
    const stub = bucket("busy");
    await stub.acquire({ leaseId: "a", limits: { ...limits, leaseTtlMs: 2 * IDLE_TTL_MS } });
    advance(IDLE_TTL_MS);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await bucketState(stub)).toMatchObject({ inFlight: 1 });
    const next = await runInDurableObject(stub, (_, state) => state.storage.getAlarm());
    expect(next).toBeGreaterThan(Date.now());
  });
});
