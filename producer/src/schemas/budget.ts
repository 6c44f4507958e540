// Schemas the budget routes share: an instance's budget and its spend this month.
import { z } from "@hono/zod-openapi";

const usd = (description: string, example: number) => z.number().openapi({ description, example });

export const BudgetSchema = z
  .object({
    object: z.literal("budget").openapi({ example: "budget" }),
    instance_id: z
      .string()
      .openapi({ description: "The admin key's instance", example: "ins_0a1b2c3d4e5f6g7h8i9j" }),
    month: z.string().openapi({ description: "The UTC calendar month the spend is of", example: "2026-12" }),
    monthly_limit_usd: z.number().nullable().openapi({
      description: "Hard limit of the month: new jobs get 402 budget_exceeded past it; null: none",
      example: 100,
    }),
    thresholds: z.array(z.number().int()).openapi({
      description: "Percentages of the limit at which one budget.threshold_reached event is sent per month",
      example: [50, 80, 100],
    }),
    project_limits_usd: z.record(z.string(), z.number()).openapi({
      description: "Monthly hard limits of single projects, by project id",
      example: { prj_0a1b2c3d4e5f6g7h8i9j: 25 },
    }),
    spent_usd: usd("Cost of the jobs that ended this month (estimates from the price table)", 12.34),
    reserved_usd: usd("Estimates held by jobs accepted and not yet ended", 0.8),
    remaining_usd: z.number().nullable().openapi({
      description: "Limit minus spent and reserved, at least 0; null without a limit",
      example: 86.86,
    }),
    jobs_in_flight: z.number().int().openapi({ description: "Jobs holding a reservation", example: 20 }),
    projects: z
      .array(
        z.object({
          project_id: z.string().openapi({ example: "prj_0a1b2c3d4e5f6g7h8i9j" }),
          spent_usd: usd("The project's spend this month", 2.5),
          reserved_usd: usd("Estimates held by the project's jobs in flight", 0.2),
          limit_usd: z
            .number()
            .nullable()
            .openapi({ description: "The project's own limit; null: none", example: 25 }),
        }),
      )
      .openapi({ description: "Spend per project (those with spend, reservations or a limit)" }),
  })
  .openapi("Budget");
export type Budget = z.infer<typeof BudgetSchema>;

export const PutBudgetBodySchema = z
  .object({
    monthly_limit_usd: z.number().positive().max(1_000_000).nullable().openapi({
      description: "The instance's monthly hard limit in USD; null removes the budget (no checks at all)",
      example: 100,
    }),
    thresholds: z
      .array(z.number().int().min(1).max(100))
      .max(10)
      .default([50, 80, 100])
      .openapi({
        description: "Alert percentages of the limit (1-100); default 50, 80, 100",
        example: [50, 80, 100],
      }),
    project_limits_usd: z
      .record(z.string(), z.number().positive().max(1_000_000))
      .default({})
      .openapi({ description: "Optional monthly hard limits of projects of the instance", example: {} }),
  })
  .strict()
  .openapi("PutBudgetRequest");
