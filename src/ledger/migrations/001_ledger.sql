-- Accounts, API keys, worker nodes, jobs, holds and the transaction journal.
-- Money is BIGINT credits. Every change of a balance writes one row to transactions, so an account's
-- balance always equals the sum of its transactions, and sum(balances) + sum(open holds) = sum(grants).

CREATE TABLE accounts (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  balance     BIGINT NOT NULL DEFAULT 0 CHECK (balance >= 0),
  suspended   BOOLEAN NOT NULL DEFAULT false,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id          TEXT PRIMARY KEY,
  account_id  TEXT NOT NULL REFERENCES accounts (id),
  role        TEXT NOT NULL CHECK (role IN ('user', 'admin')),
  label       TEXT NOT NULL DEFAULT '',
  -- The first characters of the key, for display ("sy_AbC1…"); never enough to use it.
  prefix      TEXT NOT NULL,
  -- Hex SHA-256 of the whole key; the key itself is never stored.
  hash        TEXT NOT NULL UNIQUE,
  revoked_at  TIMESTAMPTZ,
  suspended   BOOLEAN NOT NULL DEFAULT false,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_account_idx ON api_keys (account_id, created_at);

-- A worker node is identified by its operator's account and its name, stable across reconnects.
CREATE TABLE nodes (
  operator_account_id  TEXT NOT NULL REFERENCES accounts (id),
  name                 TEXT NOT NULL,
  tasks                BIGINT NOT NULL DEFAULT 0,
  credits_earned       BIGINT NOT NULL DEFAULT 0,
  first_seen           TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_seen            TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (operator_account_id, name)
);

CREATE TABLE jobs (
  id               TEXT PRIMARY KEY,
  account_id       TEXT NOT NULL REFERENCES accounts (id),
  capability       TEXT NOT NULL,
  chunks           INTEGER NOT NULL CHECK (chunks >= 1),
  cost             BIGINT NOT NULL CHECK (cost > 0),
  outcome          TEXT NOT NULL DEFAULT 'running'
                   CHECK (outcome IN ('running', 'succeeded', 'failed', 'cancelled', 'deadline', 'expired')),
  created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  settled_at       TIMESTAMPTZ,
  duration_ms      BIGINT,
  router_id        TEXT NOT NULL DEFAULT '',
  hold_expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX jobs_account_idx ON jobs (account_id, created_at DESC);

-- One row per open hold: the row is deleted when the job settles or the reaper refunds it, and that
-- delete is what makes settlement happen exactly once.
CREATE TABLE holds (
  job_id      TEXT PRIMARY KEY REFERENCES jobs (id),
  account_id  TEXT NOT NULL REFERENCES accounts (id),
  amount      BIGINT NOT NULL CHECK (amount > 0),
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX holds_expires_idx ON holds (expires_at);
CREATE INDEX holds_account_idx ON holds (account_id);

CREATE TABLE transactions (
  id          BIGSERIAL PRIMARY KEY,
  account_id  TEXT NOT NULL REFERENCES accounts (id),
  kind        TEXT NOT NULL CHECK (kind IN ('grant', 'charge', 'reward', 'refund')),
  -- Signed: grants, rewards and refunds are positive, charges negative.
  amount      BIGINT NOT NULL CHECK (amount <> 0),
  job_id      TEXT REFERENCES jobs (id),
  note        TEXT NOT NULL DEFAULT '',
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK ((kind = 'charge') = (amount < 0)),
  CHECK (kind = 'grant' OR job_id IS NOT NULL)
);
-- History pages (newest first) and the balance summary (sums by kind).
CREATE INDEX transactions_account_idx ON transactions (account_id, id DESC);
CREATE INDEX transactions_account_kind_idx ON transactions (account_id, kind) INCLUDE (amount);
CREATE INDEX transactions_job_idx ON transactions (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX transactions_kind_idx ON transactions (kind) INCLUDE (amount);
