-- The fair floor's one table: a job row inserted at enqueue and updated once at completion.
-- WITHOUT ROWID: the primary key is the table, so each write touches one row and no index.
CREATE TABLE floor_jobs (
  id TEXT PRIMARY KEY NOT NULL,
  input TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  completed_at INTEGER
) WITHOUT ROWID;
