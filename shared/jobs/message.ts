// The jobs queue's message body. The job row, not the message, is the truth: the message only
// says which job to look at, for whom, and how many attempts it has used.
import * as z from "../zod-mini";

const id = z.string().check(z.minLength(1));

export const JobMessageSchema = z.object({
  v: z.literal(1),
  kind: z.literal("job"),
  job_id: id,
  instance_id: id,
  project_id: id,
  request_id: id,
  /** Provider attempts already used (failures, not deferrals). */
  attempt: z.int().check(z.minimum(0)),
  /**
   * Its workflow's priority (-100..100), set when the job is created so the consumer need not read
   * it; absent for jobs outside workflows (0). A re-sent message (sweep, replay) goes without it.
   */
  priority: z.optional(z.int().check(z.minimum(-100), z.maximum(100))),
  /** Set when the consumer itself sends the message to the dead-letter queue. */
  last_error: z.optional(z.object({ code: z.string(), message: z.string() })),
});
export type JobMessage = z.infer<typeof JobMessageSchema>;

export function jobMessage(
  fields: Pick<JobMessage, "job_id" | "instance_id" | "project_id" | "request_id" | "priority">,
  attempt = 0,
): JobMessage {
  const { priority, ...rest } = fields;
  // Priority 0 is the default: left out, so a job outside a workflow sends the same bytes as before.
  return { v: 1, kind: "job", ...rest, attempt, ...(priority ? { priority } : {}) };
}
