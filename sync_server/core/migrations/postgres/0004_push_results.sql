-- The outcome of every rejected or conflicting change a client pushed, so that a retry of a
-- push whose reply was lost is answered `duplicate` WITH the original outcome (PROTOCOL.md §4).
-- Applied changes need no row (a plain `duplicate` says it all). Rows at or below a client's
-- last_seq minus a window are pruned when the client next writes a row (push_results.py).

CREATE TABLE push_results (
    client_id TEXT NOT NULL,
    client_seq BIGINT NOT NULL,
    status TEXT NOT NULL,
    code TEXT,
    reason TEXT,
    conflict INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (client_id, client_seq)
);
