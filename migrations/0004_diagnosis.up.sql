-- Company profiles (with history), target levels per question, and the
-- result of an assessment frozen when it is submitted or approved: the risk
-- group and targets in force then, and the scores (for dashboards, so they
-- are not recomputed for every page view).

CREATE TABLE org_profiles (
    org_id                   uuid PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    industry                 text NOT NULL,
    employees                integer NOT NULL CHECK (employees >= 1),
    annual_sales_million_jpy bigint NOT NULL CHECK (annual_sales_million_jpy >= 0),
    personal_records         bigint NOT NULL CHECK (personal_records >= 0),
    it_dependence            smallint NOT NULL CHECK (it_dependence BETWEEN 1 AND 5),
    online_services          boolean NOT NULL,
    critical_infrastructure  boolean NOT NULL,
    version                  integer NOT NULL DEFAULT 1,
    updated_by               uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at               timestamptz NOT NULL DEFAULT now()
);

-- Every saved version of a profile.
CREATE TABLE org_profile_history (
    org_id     uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    version    integer NOT NULL,
    profile    jsonb NOT NULL,
    updated_by uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, version)
);

-- A manager's target (望まれる水準) for a question, overriding the risk
-- group's default.
CREATE TABLE org_targets (
    org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    question_id text NOT NULL,
    target      smallint NOT NULL CHECK (target BETWEEN 1 AND 5),
    updated_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, question_id)
);

-- The frozen result of an assessment, written at submission (and again at
-- approval). The report of a submitted or approved assessment reads its
-- risk group and targets from here, so later profile or target changes never
-- rewrite a past result.
CREATE TABLE assessment_results (
    assessment_id     uuid PRIMARY KEY REFERENCES assessments (id) ON DELETE CASCADE,
    org_id            uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    risk_group        text NOT NULL CHECK (risk_group IN ('GI', 'GII', 'GIII')),
    risk_index        smallint NOT NULL,
    targets           jsonb NOT NULL,          -- {"1-1": 3, ...}
    total_score       smallint NOT NULL,
    total_average     numeric(4, 2) NOT NULL,
    total_target      smallint NOT NULL,
    category_averages jsonb NOT NULL,          -- {"1": 3.25, ...}
    category_targets  jsonb NOT NULL,          -- {"1": 3.00, ...} target averages
    answered          smallint NOT NULL,
    computed_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assessment_results_org_idx ON assessment_results (org_id);
