-- Routing configuration as versioned snapshots (history kept; a rollback writes a new version equal to
-- an old one), and the cluster-wide pause switch.

CREATE TABLE routing_config_versions (
  version     BIGSERIAL PRIMARY KEY,
  config      JSONB NOT NULL,
  author      TEXT NOT NULL DEFAULT '',
  note        TEXT NOT NULL DEFAULT '',
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE routing_state (
  id          BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
  paused      BOOLEAN NOT NULL DEFAULT false,
  reason      TEXT NOT NULL DEFAULT '',
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO routing_state (id) VALUES (true);
