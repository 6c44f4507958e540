// What to do with one queue message after processing it. Only applyDecision touches the message.
import type { JobMessage } from "../../shared/jobs/message";
import type { ResendClaim } from "../../shared/jobs/resend";

export type Decision =
  /** Done (or nothing to do): remove the message. */
  | {
      kind: "ack";
      reason: string;
      /** The job's webhook for this outcome was written with it: nothing is left to emit. */
      webhookSettled?: true;
    }
  /** Send a fresh message after a delay and ack this one: deferrals and our own retries use it so
   *  Queues' delivery counter (and its dead-letter queue) only ever sees infrastructure failures. */
  | {
      kind: "requeue";
      delaySeconds: number;
      message: JobMessage;
      reason: string;
      /** The job's claimed next-message time, given back if the send fails (shared/jobs/resend.ts). */
      resend: ResendClaim;
    }
  /** Attempts are spent: hand the job to the dead-letter queue ourselves. */
  | { kind: "dead_letter"; message: JobMessage; reason: string }
  /** Unexpected failure (D1 or R2 down, a bug): let Queues redeliver; its retries end in the DLQ. */
  | { kind: "retry"; delaySeconds: number; reason: string };

export interface DecisionTargets {
  JOBS: Queue<JobMessage>;
  JOBS_DLQ: Queue<JobMessage>;
}

export async function applyDecision(message: Message<unknown>, decision: Decision, queues: DecisionTargets) {
  switch (decision.kind) {
    case "ack":
      message.ack();
      return;
    case "requeue":
      await queues.JOBS.send(decision.message, { contentType: "json", delaySeconds: decision.delaySeconds });
      message.ack();
      return;
    case "dead_letter":
      await queues.JOBS_DLQ.send(decision.message, { contentType: "json" });
      message.ack();
      return;
    case "retry":
      message.retry({ delaySeconds: decision.delaySeconds });
      return;
  }
}
