-- Switchyard schema, SQLite dialect. Times are unix milliseconds, money micro-dollars, booleans 0/1, JSON as text.
CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    alias TEXT,
    models TEXT NOT NULL DEFAULT '[]',
    max_budget_micros INTEGER,
    budget_period TEXT,
    soft_budget_micros INTEGER,
    rpm INTEGER,
    tpm INTEGER,
    max_parallel INTEGER,
    metadata TEXT NOT NULL DEFAULT '{}',
    blocked INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
);

CREATE TABLE virtual_keys (
    id TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL UNIQUE,
    key_hint TEXT NOT NULL,
    alias TEXT,
    team_id TEXT,
    role TEXT NOT NULL,
    models TEXT NOT NULL DEFAULT '[]',
    max_budget_micros INTEGER,
    budget_period TEXT,
    soft_budget_micros INTEGER,
    rpm INTEGER,
    tpm INTEGER,
    max_parallel INTEGER,
    expires_at INTEGER,
    metadata TEXT NOT NULL DEFAULT '{}',
    blocked INTEGER NOT NULL DEFAULT 0,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX ix_virtual_keys_team_id ON virtual_keys (team_id);
CREATE INDEX ix_virtual_keys_created_by ON virtual_keys (created_by);

CREATE TABLE spend_ledger (
    request_id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    finished_at INTEGER,
    state TEXT NOT NULL,
    status INTEGER NOT NULL DEFAULT 0,
    key_id TEXT,
    team_id TEXT,
    model TEXT,
    deployment TEXT,
    provider_response_id TEXT,
    operation TEXT,
    stream INTEGER NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens INTEGER NOT NULL DEFAULT 0,
    usage_unknown INTEGER NOT NULL DEFAULT 0,
    cost_micros INTEGER NOT NULL DEFAULT 0,
    cost_unknown INTEGER NOT NULL DEFAULT 0,
    reserved_micros INTEGER NOT NULL DEFAULT 0,
    latency_ms INTEGER,
    ttft_ms INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
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
