ALTER TABLE `instances` ADD `image_url_ttl_seconds` integer;--> statement-breakpoint
ALTER TABLE `instances` ADD `image_retention_days` integer;--> statement-breakpoint
ALTER TABLE `jobs` ADD `images_removed_at` integer;--> statement-breakpoint
ALTER TABLE `jobs` ADD `deleted_at` integer;