CREATE TABLE `provider_prices` (
	`instance_id` text NOT NULL,
	`provider` text NOT NULL,
	`per_image_usd` real NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`instance_id`, `provider`),
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE no action
);
