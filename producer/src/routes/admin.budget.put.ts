import { createRoute, type z } from "@hono/zod-openapi";
import { putBudget } from "../../../shared/budgets/admin";
import type { App } from "../app";
import { adminErrors, jsonBodyErrors, problemResponses } from "../problem";
import { BudgetSchema, PutBudgetBodySchema } from "../schemas/budget";

export const putBudgetRoute = createRoute({
  method: "put",
  path: "/v1/admin/budget",
  tags: ["admin"],
  summary: "Set or remove the instance's monthly budget",
  description:
    "A hard limit (new jobs answer 402 `budget_exceeded` when this month's spend, the reservations of " +
    "jobs in flight and the new job's estimate would pass it; running jobs finish), alert thresholds " +
    "and optional project limits. API keys see a new limit within 10 s. Admin keys of an instance only.",
  request: { body: { required: true, content: { "application/json": { schema: PutBudgetBodySchema } } } },
  responses: {
    200: { description: "The budget as stored", content: { "application/json": { schema: BudgetSchema } } },
    ...problemResponses(...adminErrors, ...jsonBodyErrors, "instance_not_found"),
  },
});
export type PutBudgetRequest = z.infer<typeof PutBudgetBodySchema>;

export function registerPutBudget(app: App) {
  app.openapi(putBudgetRoute, async (c) => {
    const ctx = { db: c.get("db"), caller: c.get("caller"), requestId: c.get("requestId"), now: Date.now() };
    const view = await putBudget(ctx, c.env.BUDGET, c.get("principal").instanceId, c.req.valid("json"));
    return c.json(view, 200);
  });
}
