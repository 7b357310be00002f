-- Inspection plans (đợt kiểm tra), their teams (đoàn) and assignments (issue 14,
-- sync_server/core/plans.py). An assignment is one (plan, site, team) with a due day; its
-- status follows from the inspections linked to it (assignment_inspections).

CREATE TABLE plans (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    purpose TEXT,
    template_id TEXT NOT NULL,
    window_from TEXT NOT NULL,
    window_to TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    closed_at TEXT
);

CREATE TABLE plan_districts (
    plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    district TEXT NOT NULL,
    PRIMARY KEY (plan_id, district)
);
CREATE INDEX plan_districts_district ON plan_districts (district);

CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    plan_id TEXT REFERENCES plans (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    lead_id TEXT NOT NULL REFERENCES users (id),
    position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX teams_plan ON teams (plan_id);

CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE assignments (
    id TEXT PRIMARY KEY,
    plan_id TEXT REFERENCES plans (id) ON DELETE CASCADE,
    site_id TEXT NOT NULL,
    district TEXT NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams (id),
    template_id TEXT NOT NULL,
    visits INTEGER NOT NULL DEFAULT 1,
    due_date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'done', 'verified', 'cancelled')),
    follow_up_of TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX assignments_plan ON assignments (plan_id);
CREATE INDEX assignments_team ON assignments (team_id);
CREATE INDEX assignments_site ON assignments (site_id);

CREATE TABLE assignment_inspections (
    assignment_id TEXT NOT NULL REFERENCES assignments (id),
    inspection_id TEXT NOT NULL,
    linked_at TEXT NOT NULL,
    PRIMARY KEY (assignment_id, inspection_id)
);
CREATE INDEX assignment_inspections_inspection ON assignment_inspections (inspection_id);
