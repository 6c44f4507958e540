// The input of an image job: validated at the API, carried in the queue message and D1, handed to
// every provider adapter. Plain zod (`.meta` documents it in /openapi.json), so the consumer and
// the adapters share it without the HTTP layer; this is the one input type of an image job.
import { z } from "zod";
import { aspectRatios } from "./enums";

export const MAX_PROMPT_CHARS = 4000;

export const ImageInputSchema = z
  .object({
    prompt: z
      .string()
      .trim()
      .min(1, "prompt must not be empty")
      .max(MAX_PROMPT_CHARS, `prompt must be at most ${MAX_PROMPT_CHARS} characters`)
      .meta({ description: "What to draw", example: "a lighthouse at dusk, watercolor" }),
    negative_prompt: z
      .string()
      .max(MAX_PROMPT_CHARS)
      .optional()
      .meta({ description: "What to avoid", example: "text, watermark" }),
    aspect_ratio: z
      .enum(aspectRatios)
      .default("1x1")
      .meta({ description: "Width x height ratio", example: "16x9" }),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2_147_483_647)
      .optional()
      .meta({ description: "Seed for reproducible output where the provider supports it", example: 42 }),
    num_images: z
      .number()
      .int()
      .min(1)
      .max(4)
      .default(1)
      .meta({ description: "Images to generate", example: 1 }),
  })
  .strict()
  .meta({ id: "ImageInput" });
export type ImageInput = z.infer<typeof ImageInputSchema>;
