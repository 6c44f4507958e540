CREATE TABLE `workflows` (
	`id` text PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`project_id` text NOT NULL,
	`api_key_id` text NOT NULL,
	`name` text NOT NULL,
	`priority` integer DEFAULT 0 NOT NULL,
	`metadata` text,
	`webhook_url` text,
	`request_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `workflows_instance_created_idx` ON `workflows` (`instance_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `workflow_snapshots` (
	`id` text PRIMARY KEY NOT NULL,
	`workflow_id` text NOT NULL,
	`version` integer NOT NULL,
	`job_count` integer NOT NULL,
	`failed_count` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`workflow_id`) REFERENCES `workflows`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `workflow_snapshots_workflow_idx` ON `workflow_snapshots` (`workflow_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `jobs` ADD `workflow_id` text;--> statement-breakpoint
-- Partial: jobs outside a workflow (workflow_id null) write no index entry.
CREATE INDEX `jobs_workflow_idx` ON `jobs` (`workflow_id`,`created_at`) WHERE "jobs"."workflow_id" is not null;
