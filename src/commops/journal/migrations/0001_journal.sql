-- The journal: runs, the proposals each made, every write attempt; and the account it belongs to.
-- The same tables as the SQLite journal (commops/journal/store.py), with PostgreSQL's types.

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    mode TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    ruleset_version TEXT,
    status TEXT NOT NULL DEFAULT 'running',
    summary JSONB
);

CREATE TABLE proposals (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    ticket_id BIGINT NOT NULL,
    program TEXT,
    outcome TEXT NOT NULL,
    rules JSONB NOT NULL,
    macros JSONB NOT NULL,
    ruleset_version TEXT NOT NULL,
    updated_stamp TEXT NOT NULL,
    fields_digest TEXT,
    proposal JSONB NOT NULL,
    trace TEXT,  -- the rules' trace in its compact form (its shape once in trace_shapes); NULL: inside proposal
    state TEXT NOT NULL DEFAULT 'proposed',
    stamp_after TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    decided_at TIMESTAMPTZ
);
CREATE INDEX proposals_ticket ON proposals (ticket_id, id);
CREATE INDEX proposals_state ON proposals (state);
CREATE INDEX proposals_decided ON proposals (decided_at) WHERE decided_at IS NOT NULL;

CREATE TABLE trace_shapes (
    key TEXT PRIMARY KEY,
    shape TEXT NOT NULL
);

CREATE TABLE attempts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    ticket_id BIGINT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    result TEXT,
    error TEXT,
    job_id TEXT,
    batch SMALLINT NOT NULL DEFAULT 0  -- 1: sent in an update_many job, whose id may be lost with the answer
);
CREATE INDEX attempts_proposal ON attempts (proposal_id);
CREATE INDEX attempts_job ON attempts (job_id) WHERE job_id IS NOT NULL;
