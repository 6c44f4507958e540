ALTER TABLE `jobs` ADD `events` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `images` text;--> statement-breakpoint
-- Hand-written: carry each job's history and images over to its row before the tables go.
UPDATE `jobs` SET `events` = (
	SELECT json_group_array(json_object('version', e.version, 'type', e.type, 'status', e.status, 'data', json(e.data), 'createdAt', e.created_at))
	FROM (SELECT * FROM `job_events` WHERE `job_id` = `jobs`.`id` ORDER BY `version`) e
) WHERE EXISTS (SELECT 1 FROM `job_events` WHERE `job_id` = `jobs`.`id`);--> statement-breakpoint
UPDATE `jobs` SET `images` = (
	SELECT json_group_array(json_object('index', i.idx, 'r2Key', i.r2_key, 'contentType', i.content_type, 'width', i.width, 'height', i.height, 'bytes', i.bytes, 'seed', i.seed))
	FROM (SELECT * FROM `job_images` WHERE `job_id` = `jobs`.`id` ORDER BY `idx`) i
) WHERE EXISTS (SELECT 1 FROM `job_images` WHERE `job_id` = `jobs`.`id`);--> statement-breakpoint
DROP TABLE `job_events`;--> statement-breakpoint
DROP TABLE `job_images`;
