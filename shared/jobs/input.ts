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

// The input of a text job: the OpenAI-compatible chat completions contract's core, which every
// text provider here speaks (OpenAI, any compatible server, Workers AI text models).
export const MAX_MESSAGES = 100;
export const MAX_MESSAGE_CHARS = 32_000;
export const MAX_OUTPUT_TOKENS = 16_384;

export const ChatMessageSchema = z
  .object({
    role: z.enum(["system", "user", "assistant"]).meta({ example: "user" }),
    content: z
      .string()
      .min(1, "content must not be empty")
      .max(MAX_MESSAGE_CHARS, `content must be at most ${MAX_MESSAGE_CHARS} characters`)
      .meta({ example: "Write a two-line poem about lighthouses." }),
  })
  .strict()
  .meta({ id: "ChatMessage" });

export const TextInputSchema = z
  .object({
    messages: z
      .array(ChatMessageSchema)
      .min(1, "messages must not be empty")
      .max(MAX_MESSAGES, `at most ${MAX_MESSAGES} messages`)
      .refine((list) => list.some((m) => m.role === "user"), "messages need at least one user message")
      .meta({ description: "The conversation, oldest first" }),
    model: z
      .string()
      .trim()
      .min(1)
      .max(128)
      .optional()
      .meta({ description: "Model name as the provider spells it; the provider's default when omitted" }),
    max_tokens: z
      .number()
      .int()
      .min(1)
      .max(MAX_OUTPUT_TOKENS)
      .default(1024)
      .meta({ description: "Most tokens to generate (also what pacing and budgets reserve)", example: 256 }),
    temperature: z
      .number()
      .min(0)
      .max(2)
      .optional()
      .meta({ description: "Sampling temperature, 0..2", example: 0.7 }),
  })
  .strict()
  .meta({ id: "TextInput" });
export type TextInput = z.infer<typeof TextInputSchema>;
export type ChatMessage = z.infer<typeof ChatMessageSchema>;
