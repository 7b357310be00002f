-- Who named a blob in an inspection (PROTOCOL.md §9). A reference lets the inspection's readers
-- read the blob only when it is vouched for: its namer is the blob's uploader, or could read
-- the blob when naming it. Naming a hash seen elsewhere therefore grants nothing. References
-- made before this migration keep the access they gave (vouched = 1).

ALTER TABLE blob_refs ADD COLUMN named_by TEXT;
ALTER TABLE blob_refs ADD COLUMN vouched INTEGER NOT NULL DEFAULT 1;
