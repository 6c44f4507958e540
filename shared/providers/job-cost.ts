// A job's cost estimate at list prices, whatever its type: images by the adapter's per-image table,
// text by its per-token table over the job's whole token allowance (so never an underestimate).
import { isTextInput, type JobInput } from "../jobs/job-input";
import type { ProviderName } from "./names";
import { getProvider } from "./registry";
import { estimateTextCostUsd } from "./text";

export function estimateJobCostUsd(provider: ProviderName, input: JobInput, model?: string): number {
  const adapter = getProvider(provider);
  if (!isTextInput(input)) return adapter.estimateCostUsd(input, model);
  return adapter.text ? estimateTextCostUsd(adapter.text.prices, input, input.model) : 0;
}
