-- Hand-written (drizzle cannot declare WITHOUT ROWID): a webhook event keeps its delivery attempts
-- in `attempt_log` (JSON, oldest first), so a delivery attempt is recorded by the one UPDATE that
-- settles the event, and the table keeps its rows in the primary key's b-tree, so an insert writes
-- the row and its (job_id, job_version) index entry only. webhook_attempts, the only table that
-- referenced webhook_events, is folded in and dropped first, so the rebuild cascades nothing.
PRAGMA defer_foreign_keys = on;--> statement-breakpoint
CREATE TABLE `__new_webhook_events` (
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
	`attempt_log` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`delivered_at` integer,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `__new_webhook_events`
SELECT e.`id`, e.`job_id`, e.`instance_id`, e.`project_id`, e.`type`, e.`job_version`, e.`url`, e.`body`,
	e.`status`, e.`attempts`,
	coalesce((
		SELECT json_group_array(json_object('attempt', a.attempt, 'url', a.url, 'statusCode', a.status_code,
			'durationMs', a.duration_ms, 'error', a.error, 'nextAttemptAt', a.next_attempt_at, 'createdAt', a.created_at))
		FROM (SELECT * FROM `webhook_attempts` WHERE `event_id` = e.`id` ORDER BY `attempt`) a
	), '[]'),
	e.`created_at`, e.`delivered_at`
FROM `webhook_events` e;--> statement-breakpoint
DROP TABLE `webhook_attempts`;--> statement-breakpoint
DROP TABLE `webhook_events`;--> statement-breakpoint
ALTER TABLE `__new_webhook_events` RENAME TO `webhook_events`;--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_events_job_version_idx` ON `webhook_events` (`job_id`,`job_version`);
