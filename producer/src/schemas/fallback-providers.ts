// Schemas the fallback-providers routes share: the instance's default fallback chain as answered.
import { z } from "@hono/zod-openapi";

export const FallbackProvidersSchema = z
  .object({
    fallback_providers: z
      .array(z.string())
      .nullable()
      .openapi({
        description:
          "Providers a job moves to, in order, when its provider is down or out of quota and the job " +
          "names no `fallback_providers` of its own; null (or empty) means no fallback",
        example: ["openai", "replicate"],
      }),
  })
  .openapi("FallbackProviders");
export type FallbackProviders = z.infer<typeof FallbackProvidersSchema>;
