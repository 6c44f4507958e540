import { createRoute } from "@hono/zod-openapi";
import { getBudget } from "../../../shared/budgets/admin";
import type { App } from "../app";
import { adminErrors, problemResponses } from "../problem";
import { BudgetSchema } from "../schemas/budget";

export const getBudgetRoute = createRoute({
  method: "get",
  path: "/v1/admin/budget",
  tags: ["admin"],
  summary: "The instance's budget and this month's spend",
  description:
    "Spend is the estimated cost of the jobs that ended this UTC month; reserved is what jobs in flight " +
    "hold. Admin keys of an instance only.",
  responses: {
    200: { description: "The budget and spend", content: { "application/json": { schema: BudgetSchema } } },
    ...problemResponses(...adminErrors, "instance_not_found"),
  },
});

export function registerGetBudget(app: App) {
  app.openapi(getBudgetRoute, async (c) => {
    return c.json(await getBudget(c.get("db"), c.env.BUDGET, c.get("principal").instanceId), 200);
  });
}
