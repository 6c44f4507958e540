DROP INDEX `jobs_instance_status_created_idx`;--> statement-breakpoint
DROP INDEX `webhook_attempts_job_idx`;--> statement-breakpoint
DROP INDEX `webhook_events_job_idx`;--> statement-breakpoint
-- Hand-written (drizzle cannot declare WITHOUT ROWID): the small composite-key tables of the job
-- path keep their rows in the primary key's b-tree, so an insert writes one row, not a row and
-- its primary-key index entry. The shape is unchanged; drizzle's snapshot does not see the clause.
PRAGMA defer_foreign_keys = on;--> statement-breakpoint
CREATE TABLE `__new_job_events` (
	`job_id` text NOT NULL,
	`version` integer NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`data` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`job_id`, `version`),
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `__new_job_events` SELECT `job_id`, `version`, `type`, `status`, `data`, `created_at` FROM `job_events`;--> statement-breakpoint
DROP TABLE `job_events`;--> statement-breakpoint
ALTER TABLE `__new_job_events` RENAME TO `job_events`;--> statement-breakpoint
CREATE TABLE `__new_job_images` (
	`job_id` text NOT NULL,
	`idx` integer NOT NULL,
	`r2_key` text NOT NULL,
	`content_type` text NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`bytes` integer NOT NULL,
	`seed` integer,
	PRIMARY KEY(`job_id`, `idx`),
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `__new_job_images` SELECT `job_id`, `idx`, `r2_key`, `content_type`, `width`, `height`, `bytes`, `seed` FROM `job_images`;--> statement-breakpoint
DROP TABLE `job_images`;--> statement-breakpoint
ALTER TABLE `__new_job_images` RENAME TO `job_images`;--> statement-breakpoint
CREATE TABLE `__new_webhook_attempts` (
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
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `__new_webhook_attempts` SELECT `event_id`, `attempt`, `job_id`, `url`, `status_code`, `duration_ms`, `error`, `next_attempt_at`, `created_at` FROM `webhook_attempts`;--> statement-breakpoint
DROP TABLE `webhook_attempts`;--> statement-breakpoint
ALTER TABLE `__new_webhook_attempts` RENAME TO `webhook_attempts`;
