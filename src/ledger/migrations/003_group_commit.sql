-- The group commits of holds and settlements as functions, so that a whole batch is one statement: one
-- round trip, one commit, plans cached by the server.

-- Places a batch of holds in one statement (one round trip, one commit). The accounts involved are
-- locked in id order, as settlement locks them, so batches cannot deadlock. Each request is decided in
-- order against the balance the accepted requests before it left; a refused request writes nothing.
-- Returns one row per request, in order: hold_outcome is 'ok', 'not_found' (no such account),
-- 'suspended', 'duplicate' (the job id came earlier in the batch) or 'insufficient'; balance_left is
-- the balance after an accepted hold, or the balance that was too short. A job id that already has a
-- hold raises a unique violation and the whole batch writes nothing.
CREATE FUNCTION place_holds(
  job_ids       TEXT[],
  account_ids   TEXT[],
  amounts       BIGINT[],
  capabilities  TEXT[],
  chunk_counts  INTEGER[],
  router_ids    TEXT[],
  expires_ms    BIGINT[]
) RETURNS TABLE (hold_outcome TEXT, balance_left BIGINT)
LANGUAGE plpgsql AS $$
DECLARE
  ids       TEXT[];
  balances  BIGINT[];
  blocked   BOOLEAN[];
  debited   BOOLEAN[];
  accepted  BOOLEAN[] := '{}';
  taken     TEXT[] := '{}';
  k         INTEGER;
BEGIN
  SELECT coalesce(array_agg(l.id ORDER BY l.id), '{}'),
         coalesce(array_agg(l.balance ORDER BY l.id), '{}'),
         coalesce(array_agg(l.suspended ORDER BY l.id), '{}')
    INTO ids, balances, blocked
    FROM (SELECT a.id, a.balance, a.suspended FROM accounts a
           WHERE a.id = ANY (account_ids) ORDER BY a.id FOR NO KEY UPDATE) l;
  debited := array_fill(false, ARRAY[coalesce(array_length(ids, 1), 0)]);

  FOR i IN 1 .. coalesce(array_length(job_ids, 1), 0) LOOP
    k := array_position(ids, account_ids[i]);
    accepted[i] := false;
    balance_left := NULL;
    IF k IS NULL THEN
      hold_outcome := 'not_found';
    ELSIF blocked[k] THEN
      hold_outcome := 'suspended';
    ELSIF job_ids[i] = ANY (taken) THEN
      hold_outcome := 'duplicate';
    ELSIF balances[k] < amounts[i] THEN
      hold_outcome := 'insufficient';
      balance_left := balances[k];
    ELSE
      balances[k] := balances[k] - amounts[i];
      debited[k] := true;
      taken := taken || job_ids[i];
      accepted[i] := true;
      hold_outcome := 'ok';
      balance_left := balances[k];
    END IF;
    RETURN NEXT;
  END LOOP;

  UPDATE accounts a SET balance = d.balance
    FROM unnest(ids, balances, debited) AS d(id, balance, debited)
   WHERE a.id = d.id AND d.debited;

  INSERT INTO jobs (id, account_id, capability, chunks, cost, router_id, hold_expires_at)
  SELECT h.job_id, h.account_id, h.capability, h.chunks, h.amount, h.router_id,
         to_timestamp(h.expires_ms::DOUBLE PRECISION / 1000)
    FROM unnest(job_ids, account_ids, amounts, capabilities, chunk_counts, router_ids, expires_ms, accepted)
      AS h(job_id, account_id, amount, capability, chunks, router_id, expires_ms, accepted)
   WHERE h.accepted;

  INSERT INTO holds (job_id, account_id, amount, expires_at)
  SELECT h.job_id, h.account_id, h.amount, to_timestamp(h.expires_ms::DOUBLE PRECISION / 1000)
    FROM unnest(job_ids, account_ids, amounts, expires_ms, accepted)
      AS h(job_id, account_id, amount, expires_ms, accepted)
   WHERE h.accepted;

  INSERT INTO transactions (account_id, kind, amount, job_id, note)
  SELECT h.account_id, 'charge', -h.amount, h.job_id, h.capability
    FROM unnest(job_ids, account_ids, amounts, capabilities, accepted)
      AS h(job_id, account_id, amount, capability, accepted)
   WHERE h.accepted;
END;
$$;

-- Settles a batch of jobs in one statement, exactly once: a job whose hold row is gone (settled before,
-- or refunded by the reaper) is left alone, and two batches racing for one hold serialise on its row
-- lock, so the second finds nothing to delete. The job ids must be distinct; reward_* describe the
-- rewards of those jobs, one entry per (job, node). Each released job's rewards go to the operators,
-- the rest of its hold back to the client, every movement is journalled, node totals and job outcomes
-- are written. Raises SQLSTATE SY001 when a job's rewards exceed its hold, and a foreign-key violation
-- when a reward names an unknown operator account; nothing at all is written then. Returns one row per
-- job, in order: whether this call settled it, the credits refunded and rewarded, and whether the job
-- exists at all.
CREATE FUNCTION settle_jobs(
  job_ids           TEXT[],
  outcomes          TEXT[],
  durations         BIGINT[],
  reward_jobs       TEXT[],
  reward_operators  TEXT[],
  reward_nodes      TEXT[],
  reward_amounts    BIGINT[],
  reward_tasks      BIGINT[]
) RETURNS TABLE (settled_job TEXT, was_settled BOOLEAN, refund BIGINT, reward BIGINT, job_known BOOLEAN)
LANGUAGE plpgsql AS $$
DECLARE
  released_ids      TEXT[];
  released_amounts  BIGINT[];
  j_accounts        TEXT[];
  j_kinds           TEXT[];
  j_amounts         BIGINT[];
  j_jobs            TEXT[];
  j_notes           TEXT[];
  over              TEXT;
BEGIN
  WITH released AS (
    DELETE FROM holds h WHERE h.job_id IN (
      SELECT l.job_id FROM holds l WHERE l.job_id = ANY (job_ids) ORDER BY l.job_id FOR UPDATE
    ) RETURNING h.job_id, h.account_id, h.amount
  ), plan AS (
    SELECT r.job_id, r.account_id, r.amount, coalesce(p.total, 0) AS paid, q.outcome
      FROM released r
      JOIN unnest(job_ids, outcomes) AS q(job_id, outcome) ON q.job_id = r.job_id
      LEFT JOIN (SELECT w.job_id, sum(w.amount) AS total
                   FROM unnest(reward_jobs, reward_amounts) AS w(job_id, amount)
                  GROUP BY w.job_id) p ON p.job_id = r.job_id
  ), journal AS (
    SELECT w.operator AS account_id, 'reward' AS kind, w.amount, w.job_id, w.node AS note
      FROM unnest(reward_jobs, reward_operators, reward_nodes, reward_amounts)
        AS w(job_id, operator, node, amount)
      JOIN plan ON plan.job_id = w.job_id
    UNION ALL
    SELECT plan.account_id, 'refund', plan.amount - plan.paid, plan.job_id, plan.outcome
      FROM plan WHERE plan.amount > plan.paid
  )
  SELECT (SELECT coalesce(array_agg(plan.job_id), '{}') FROM plan),
         (SELECT coalesce(array_agg(plan.amount), '{}') FROM plan),
         (SELECT min(plan.job_id) FROM plan WHERE plan.paid > plan.amount),
         coalesce(array_agg(journal.account_id), '{}'), coalesce(array_agg(journal.kind), '{}'),
         coalesce(array_agg(journal.amount), '{}'), coalesce(array_agg(journal.job_id), '{}'),
         coalesce(array_agg(journal.note), '{}')
    INTO released_ids, released_amounts, over, j_accounts, j_kinds, j_amounts, j_jobs, j_notes
    FROM journal;

  IF over IS NOT NULL THEN
    RAISE EXCEPTION 'the rewards of job % exceed its hold', over USING ERRCODE = 'SY001';
  END IF;

  IF cardinality(j_accounts) > 0 THEN
    -- Lock in id order, as place_holds does, so concurrent batches cannot deadlock on accounts.
    PERFORM 1 FROM accounts a WHERE a.id = ANY (j_accounts) ORDER BY a.id FOR NO KEY UPDATE;
    UPDATE accounts a SET balance = a.balance + d.delta
      FROM (SELECT t.account_id, sum(t.amount) AS delta
              FROM unnest(j_accounts, j_amounts) AS t(account_id, amount) GROUP BY t.account_id) d
     WHERE a.id = d.account_id;
    INSERT INTO transactions (account_id, kind, amount, job_id, note)
    SELECT * FROM unnest(j_accounts, j_kinds, j_amounts, j_jobs, j_notes);
  END IF;

  INSERT INTO nodes AS n (operator_account_id, name, tasks, credits_earned)
  SELECT w.operator, w.node, sum(w.tasks), sum(w.amount)
    FROM unnest(reward_jobs, reward_operators, reward_nodes, reward_amounts, reward_tasks)
      AS w(job_id, operator, node, amount, tasks)
   WHERE w.job_id = ANY (released_ids)
   GROUP BY w.operator, w.node
  ON CONFLICT (operator_account_id, name) DO UPDATE
     SET tasks = n.tasks + EXCLUDED.tasks,
         credits_earned = n.credits_earned + EXCLUDED.credits_earned,
         last_seen = now();

  UPDATE jobs j SET outcome = f.outcome, settled_at = now(), duration_ms = f.duration
    FROM unnest(job_ids, outcomes, durations) AS f(id, outcome, duration)
   WHERE j.id = f.id AND f.id = ANY (released_ids);

  RETURN QUERY
  SELECT q.id,
         r.amount IS NOT NULL,
         (CASE WHEN r.amount IS NULL THEN 0 ELSE r.amount - coalesce(p.total, 0) END)::BIGINT,
         (CASE WHEN r.amount IS NULL THEN 0 ELSE coalesce(p.total, 0) END)::BIGINT,
         r.amount IS NOT NULL OR EXISTS (SELECT 1 FROM jobs k WHERE k.id = q.id)
    FROM unnest(job_ids) WITH ORDINALITY AS q(id, n)
    LEFT JOIN unnest(released_ids, released_amounts) AS r(id, amount) ON r.id = q.id
    LEFT JOIN (SELECT w.job_id, sum(w.amount) AS total
                 FROM unnest(reward_jobs, reward_amounts) AS w(job_id, amount)
                GROUP BY w.job_id) p ON p.job_id = q.id
   ORDER BY q.n;
END;
$$;

-- Refunds up to `max_jobs` holds that expired by `now_ms` (their router died), marking the jobs
-- `expired`; holds locked by a settlement or another reaper are skipped. Returns how many.
CREATE FUNCTION reap_expired_holds(now_ms BIGINT, max_jobs INTEGER) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
  ids TEXT[];
BEGIN
  SELECT coalesce(array_agg(x.job_id), '{}') INTO ids
    FROM (SELECT h.job_id FROM holds h
           WHERE h.expires_at <= to_timestamp(now_ms::DOUBLE PRECISION / 1000)
           ORDER BY h.job_id LIMIT max_jobs FOR UPDATE SKIP LOCKED) x;
  IF cardinality(ids) = 0 THEN
    RETURN 0;
  END IF;
  RETURN (SELECT count(*) FROM settle_jobs(
            ids, array_fill('expired'::TEXT, ARRAY[cardinality(ids)]),
            array_fill(NULL::BIGINT, ARRAY[cardinality(ids)]),
            '{}', '{}', '{}', '{}', '{}') s
           WHERE s.was_settled);
END;
$$;

-- Less work per job: only grants need an index by kind (the minted total), and settling a job rewrites
-- its row in place (a HOT update) when its page has room.
DROP INDEX transactions_kind_idx;
CREATE INDEX transactions_grants_idx ON transactions (kind) INCLUDE (amount) WHERE kind = 'grant';
ALTER TABLE jobs SET (fillfactor = 85);
