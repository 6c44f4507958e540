// The fair floor's queue messages: just what the next step needs to run without reading D1.
import type { ImageInput } from "../../shared/providers/types";

export interface FloorJobMessage {
  id: string;
  input: ImageInput;
  webhookUrl: string;
}

export interface FloorWebhookMessage {
  id: string;
  url: string;
}
