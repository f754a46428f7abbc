-- Switchyard schema, PostgreSQL dialect. Times are unix milliseconds, money micro-dollars, booleans BOOLEAN, JSON as text.
CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    alias TEXT,
    models TEXT NOT NULL DEFAULT '[]',
    max_budget_micros BIGINT,
    budget_period TEXT,
    soft_budget_micros BIGINT,
    rpm BIGINT,
    tpm BIGINT,
    max_parallel BIGINT,
    metadata TEXT NOT NULL DEFAULT '{}',
    blocked BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);

CREATE TABLE virtual_keys (
    id TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL UNIQUE,
    key_hint TEXT NOT NULL,
    alias TEXT,
    team_id TEXT,
    role TEXT NOT NULL,
    models TEXT NOT NULL DEFAULT '[]',
    max_budget_micros BIGINT,
    budget_period TEXT,
    soft_budget_micros BIGINT,
    rpm BIGINT,
    tpm BIGINT,
    max_parallel BIGINT,
    expires_at BIGINT,
    metadata TEXT NOT NULL DEFAULT '{}',
    blocked BOOLEAN NOT NULL DEFAULT FALSE,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX ix_virtual_keys_team_id ON virtual_keys (team_id);
CREATE INDEX ix_virtual_keys_created_by ON virtual_keys (created_by);

CREATE TABLE spend_ledger (
    request_id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    finished_at BIGINT,
    state TEXT NOT NULL,
    status BIGINT NOT NULL DEFAULT 0,
    key_id TEXT,
    team_id TEXT,
    model TEXT,
    deployment TEXT,
    provider_response_id TEXT,
    operation TEXT,
    stream BOOLEAN NOT NULL DEFAULT FALSE,
    input_tokens BIGINT NOT NULL DEFAULT 0,
    cache_read_tokens BIGINT NOT NULL DEFAULT 0,
    cache_write_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    reasoning_tokens BIGINT NOT NULL DEFAULT 0,
    usage_unknown BOOLEAN NOT NULL DEFAULT FALSE,
    cost_micros BIGINT NOT NULL DEFAULT 0,
    cost_unknown BOOLEAN NOT NULL DEFAULT FALSE,
    reserved_micros BIGINT NOT NULL DEFAULT 0,
    latency_ms BIGINT,
    ttft_ms BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    cache TEXT,
    error TEXT,
    tags TEXT
);
CREATE INDEX ix_spend_ledger_created_at ON spend_ledger (created_at);
CREATE INDEX ix_spend_ledger_key_created ON spend_ledger (key_id, created_at);
CREATE INDEX ix_spend_ledger_team_created ON spend_ledger (team_id, created_at);
CREATE INDEX ix_spend_ledger_model_created ON spend_ledger (model, created_at);
CREATE INDEX ix_spend_ledger_pending ON spend_ledger (created_at) WHERE state = 'pending';

CREATE TABLE request_bodies (
    request_id TEXT PRIMARY KEY,
    request_body TEXT,
    response_body TEXT
);
