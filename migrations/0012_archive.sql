-- Archiving (shared/jobs/archive.ts): each instance's age after which ended jobs move to R2, and an
-- archived job's tombstone columns (where its whole row now lives). No index: nothing per new job.
ALTER TABLE `instances` ADD `archive_after_days` integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `archived_at` integer;--> statement-breakpoint
ALTER TABLE `jobs` ADD `archive_key` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `archive_offset` integer;--> statement-breakpoint
ALTER TABLE `jobs` ADD `archive_length` integer;
