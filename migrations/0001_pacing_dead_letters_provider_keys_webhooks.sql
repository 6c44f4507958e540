CREATE TABLE `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`job_id` text NOT NULL,
	`instance_id` text NOT NULL,
	`project_id` text NOT NULL,
	`provider` text,
	`error_code` text NOT NULL,
	`error_message` text NOT NULL,
	`attempts` integer NOT NULL,
	`message` text NOT NULL,
	`created_at` integer NOT NULL,
	`replayed_at` integer,
	`replay_count` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `dead_letters_instance_created_idx` ON `dead_letters` (`instance_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `dead_letters_job_idx` ON `dead_letters` (`job_id`);--> statement-breakpoint
CREATE TABLE `gone_webhook_urls` (
	`instance_id` text NOT NULL,
	`url` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`instance_id`, `url`)
);
--> statement-breakpoint
CREATE TABLE `provider_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`provider` text NOT NULL,
	`ciphertext` text NOT NULL,
	`last4` text NOT NULL,
	`is_primary` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `provider_keys_instance_provider_idx` ON `provider_keys` (`instance_id`,`provider`);--> statement-breakpoint
CREATE TABLE `provider_limits` (
	`instance_id` text NOT NULL,
	`provider` text NOT NULL,
	`rate_per_second` real NOT NULL,
	`burst` integer NOT NULL,
	`max_in_flight` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`instance_id`, `provider`),
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `webhook_attempts` (
	`event_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`job_id` text NOT NULL,
	`url` text NOT NULL,
	`status_code` integer,
	`duration_ms` integer NOT NULL,
	`error` text,
	`next_attempt_at` integer,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`event_id`, `attempt`),
	FOREIGN KEY (`event_id`) REFERENCES `webhook_events`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_attempts_job_idx` ON `webhook_attempts` (`job_id`);--> statement-breakpoint
CREATE TABLE `webhook_events` (
	`id` text PRIMARY KEY NOT NULL,
	`job_id` text NOT NULL,
	`instance_id` text NOT NULL,
	`project_id` text NOT NULL,
	`type` text NOT NULL,
	`job_version` integer NOT NULL,
	`url` text NOT NULL,
	`body` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`delivered_at` integer,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_events_job_idx` ON `webhook_events` (`job_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_events_job_version_idx` ON `webhook_events` (`job_id`,`job_version`);--> statement-breakpoint
ALTER TABLE `instances` ADD `fallback_providers` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `fallback_providers` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `webhook_events` text;--> statement-breakpoint
ALTER TABLE `projects` ADD `webhook_url` text;--> statement-breakpoint
ALTER TABLE `projects` ADD `webhook_secret` text;--> statement-breakpoint
ALTER TABLE `projects` ADD `webhook_secret_previous` text;--> statement-breakpoint
ALTER TABLE `projects` ADD `webhook_secret_rotated_at` integer;