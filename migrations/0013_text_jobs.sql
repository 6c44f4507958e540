-- text.generate jobs: the output (inline text or its R2 key, and token usage) on the job row,
-- and an optional tokens-per-minute limit per instance and provider.
ALTER TABLE `jobs` ADD `output` text;
--> statement-breakpoint
ALTER TABLE `provider_limits` ADD `tokens_per_minute` integer;
