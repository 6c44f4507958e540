// Any job's input, for code that must not pull the zod schemas in (the consumer bundles this; the
// schemas in input.ts bring classic zod with them).
import type { ImageInput, TextInput } from "./input";

/** Any job's input; the job's `type` says which. */
export type JobInput = ImageInput | TextInput;

export function isTextInput(input: JobInput): input is TextInput {
  return Array.isArray((input as TextInput).messages);
}
