// What every admin list shares: the `limit` / `cursor` query and the `{ object: "list", data,
// next_cursor }` envelope.
import { z } from "@hono/zod-openapi";

export const PageQueryFields = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .openapi({ description: "Page size, 1 to 100", example: 20 }),
  cursor: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: "`next_cursor` of the previous page", example: "MTc2MzcyNjQwMDAwMDpvcmdfMA" }),
};

/** The list envelope of `item`, registered as component `name`. */
export function listSchema<T extends z.ZodType>(item: T, name: string, description: string) {
  return z
    .object({
      object: z.literal("list").openapi({ description: "Always `list`", example: "list" }),
      data: z.array(item).openapi({ description }),
      next_cursor: z
        .string()
        .nullable()
        .openapi({ description: "Pass as `cursor` for the next page; null on the last page", example: null }),
    })
    .openapi(name);
}
