-- The feed cursor a device reached at its last recorded pull, beside ``last_pull_at``
-- (sync_server/core/devices.py records both once per completed pull).

ALTER TABLE clients ADD COLUMN last_pull_cursor BIGINT;
