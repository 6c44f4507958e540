-- Live updates: until when someone streams or waits on the job (epoch ms). A state change whose
-- row says so notifies the job's JobWatch object; a job nobody watches keeps it null and costs nothing.
ALTER TABLE `jobs` ADD `watched_until` integer;
