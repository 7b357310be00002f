-- Device identity (PROTOCOL.md §1, §4): a client_id belongs to the user who first pushed or
-- pulled with it (clients.user_id, never reassigned), and the server remembers the change_id
-- it acknowledged at the client's last_seq, so that a second install reusing the id (a
-- restored backup, a copied data folder) is told to re-register instead of losing edits.

ALTER TABLE clients ADD COLUMN last_change_id TEXT;
