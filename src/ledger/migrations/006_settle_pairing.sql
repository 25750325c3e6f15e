-- settle_jobs paired a batch's released holds with its requests and with its rewards by joining the
-- argument arrays to one another. With hash and merge joins priced out of the function (migration 005),
-- each of those five joins was a nested loop over the whole batch: quadratic in the batch size, most of
-- what a batch cost the server once it held more than a few dozen jobs (a batch of 256 took 17 ms, 65 µs
-- a job, where one of 64 took 50 µs a job). The pairing is now done by settle_jobs_pairing, which reads
-- no table, only the arrays it is given, and may therefore hash them: linear in the batch. settle_jobs
-- keeps to its tables, by key, as before; what it does, returns and raises is unchanged.

-- The pure part of a settlement: given a batch (job_ids, outcomes, durations and the rewards, as
-- settle_jobs takes them) and the holds it released (released_*), returns
--   over_job    the smallest released job id whose rewards exceed its hold, or NULL;
--   j_*         the journal: one 'reward' entry per released reward, one 'refund' entry per released job
--               whose rewards leave part of its hold;
--   done_*      the released jobs with their outcome and duration;
--   w_*         the released rewards, for the nodes' totals;
--   r_*         per request, in request order: whether its hold was released, the credits refunded and
--               the credits rewarded (0 and 0 when not released).
CREATE FUNCTION settle_jobs_pairing(
  job_ids            TEXT[],
  outcomes           TEXT[],
  durations          BIGINT[],
  reward_jobs        TEXT[],
  reward_operators   TEXT[],
  reward_nodes       TEXT[],
  reward_amounts     BIGINT[],
  reward_tasks       BIGINT[],
  released_ids       TEXT[],
  released_accounts  TEXT[],
  released_amounts   BIGINT[],
  OUT over_job       TEXT,
  OUT j_accounts     TEXT[],
  OUT j_kinds        TEXT[],
  OUT j_amounts      BIGINT[],
  OUT j_jobs         TEXT[],
  OUT j_notes        TEXT[],
  OUT done_ids       TEXT[],
  OUT done_outcomes  TEXT[],
  OUT done_durations BIGINT[],
  OUT w_operators    TEXT[],
  OUT w_nodes        TEXT[],
  OUT w_amounts      BIGINT[],
  OUT w_tasks        BIGINT[],
  OUT r_settled      BOOLEAN[],
  OUT r_refund       BIGINT[],
  OUT r_reward       BIGINT[]
)
LANGUAGE plpgsql SET enable_hashjoin = on AS $$
DECLARE
  p_ids       TEXT[];
  p_accounts  TEXT[];
  p_amounts   BIGINT[];
  p_paid      BIGINT[];
  p_outcomes  TEXT[];
  w_jobs      TEXT[];
BEGIN
  -- Each released job with its request's outcome and duration and the sum of its rewards.
  SELECT coalesce(array_agg(r.job_id ORDER BY r.job_id), '{}'),
         coalesce(array_agg(r.account_id ORDER BY r.job_id), '{}'),
         coalesce(array_agg(r.amount ORDER BY r.job_id), '{}'),
         coalesce(array_agg(coalesce(p.total, 0) ORDER BY r.job_id), '{}'),
         coalesce(array_agg(q.outcome ORDER BY r.job_id), '{}'),
         coalesce(array_agg(q.duration ORDER BY r.job_id), '{}')
    INTO p_ids, p_accounts, p_amounts, p_paid, p_outcomes, done_durations
    FROM unnest(released_ids, released_accounts, released_amounts) AS r(job_id, account_id, amount)
    JOIN unnest(job_ids, outcomes, durations) AS q(job_id, outcome, duration) ON q.job_id = r.job_id
    LEFT JOIN (SELECT w.job_id, sum(w.amount) AS total
                 FROM unnest(reward_jobs, reward_amounts) AS w(job_id, amount)
                GROUP BY w.job_id) p ON p.job_id = r.job_id;
  done_ids := p_ids;
  done_outcomes := p_outcomes;

  SELECT min(x.job_id) INTO over_job
    FROM unnest(p_ids, p_amounts, p_paid) AS x(job_id, amount, paid)
   WHERE x.paid > x.amount;

  -- The rewards of the released jobs.
  SELECT coalesce(array_agg(w.job_id), '{}'), coalesce(array_agg(w.operator), '{}'),
         coalesce(array_agg(w.node), '{}'), coalesce(array_agg(w.amount), '{}'),
         coalesce(array_agg(w.tasks), '{}')
    INTO w_jobs, w_operators, w_nodes, w_amounts, w_tasks
    FROM unnest(reward_jobs, reward_operators, reward_nodes, reward_amounts, reward_tasks)
      AS w(job_id, operator, node, amount, tasks)
    JOIN unnest(p_ids) AS d(job_id) ON d.job_id = w.job_id;

  -- The journal: those rewards, then the refunds.
  SELECT w_operators || coalesce(array_agg(x.account_id), '{}'),
         array_fill('reward'::TEXT, ARRAY[cardinality(w_jobs)]) || coalesce(array_agg('refund'::TEXT), '{}'),
         w_amounts || coalesce(array_agg(x.amount - x.paid), '{}'),
         w_jobs || coalesce(array_agg(x.job_id), '{}'),
         w_nodes || coalesce(array_agg(x.outcome), '{}')
    INTO j_accounts, j_kinds, j_amounts, j_jobs, j_notes
    FROM unnest(p_ids, p_accounts, p_amounts, p_paid, p_outcomes) AS x(job_id, account_id, amount, paid, outcome)
   WHERE x.amount > x.paid;

  -- Per request, in request order.
  SELECT coalesce(array_agg(r.job_id IS NOT NULL ORDER BY q.n), '{}'),
         coalesce(array_agg(coalesce(r.amount - r.paid, 0) ORDER BY q.n), '{}'),
         coalesce(array_agg(coalesce(r.paid, 0) ORDER BY q.n), '{}')
    INTO r_settled, r_refund, r_reward
    FROM unnest(job_ids) WITH ORDINALITY AS q(job_id, n)
    LEFT JOIN unnest(p_ids, p_amounts, p_paid) AS r(job_id, amount, paid) ON r.job_id = q.job_id;
END;
$$;

-- Settles a batch of jobs in one statement, exactly once, as in migration 003: the same arguments,
-- effects, errors and rows. Its statements read and write the tables by key; the pairing of holds,
-- requests and rewards is settle_jobs_pairing's.
CREATE OR REPLACE FUNCTION settle_jobs(
  job_ids           TEXT[],
  outcomes          TEXT[],
  durations         BIGINT[],
  reward_jobs       TEXT[],
  reward_operators  TEXT[],
  reward_nodes      TEXT[],
  reward_amounts    BIGINT[],
  reward_tasks      BIGINT[]
) RETURNS TABLE (settled_job TEXT, was_settled BOOLEAN, refund BIGINT, reward BIGINT, job_known BOOLEAN)
LANGUAGE plpgsql
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
AS $$
DECLARE
  released_ids       TEXT[];
  released_accounts  TEXT[];
  released_amounts   BIGINT[];
  p                  RECORD;
BEGIN
  WITH released AS (
    DELETE FROM holds h WHERE h.job_id IN (
      SELECT l.job_id FROM holds l WHERE l.job_id = ANY (job_ids) ORDER BY l.job_id FOR UPDATE
    ) RETURNING h.job_id, h.account_id, h.amount
  )
  SELECT coalesce(array_agg(released.job_id), '{}'), coalesce(array_agg(released.account_id), '{}'),
         coalesce(array_agg(released.amount), '{}')
    INTO released_ids, released_accounts, released_amounts
    FROM released;

  p := settle_jobs_pairing(job_ids, outcomes, durations, reward_jobs, reward_operators, reward_nodes,
                           reward_amounts, reward_tasks, released_ids, released_accounts, released_amounts);

  IF p.over_job IS NOT NULL THEN
    RAISE EXCEPTION 'the rewards of job % exceed its hold', p.over_job USING ERRCODE = 'SY001';
  END IF;

  IF cardinality(p.j_accounts) > 0 THEN
    -- Lock in id order, as place_holds does, so concurrent batches cannot deadlock on accounts.
    PERFORM 1 FROM accounts a WHERE a.id = ANY (p.j_accounts) ORDER BY a.id FOR NO KEY UPDATE;
    UPDATE accounts a SET balance = a.balance + d.delta
      FROM (SELECT t.account_id, sum(t.amount) AS delta
              FROM unnest(p.j_accounts, p.j_amounts) AS t(account_id, amount) GROUP BY t.account_id) d
     WHERE a.id = d.account_id;
    INSERT INTO transactions (account_id, kind, amount, job_id, note)
    SELECT * FROM unnest(p.j_accounts, p.j_kinds, p.j_amounts, p.j_jobs, p.j_notes);
  END IF;

  INSERT INTO nodes AS n (operator_account_id, name, tasks, credits_earned)
  SELECT w.operator, w.node, sum(w.tasks), sum(w.amount)
    FROM unnest(p.w_operators, p.w_nodes, p.w_amounts, p.w_tasks) AS w(operator, node, amount, tasks)
   GROUP BY w.operator, w.node
  ON CONFLICT (operator_account_id, name) DO UPDATE
     SET tasks = n.tasks + EXCLUDED.tasks,
         credits_earned = n.credits_earned + EXCLUDED.credits_earned,
         last_seen = now();

  UPDATE jobs j SET outcome = f.outcome, settled_at = now(), duration_ms = f.duration
    FROM unnest(p.done_ids, p.done_outcomes, p.done_durations) AS f(id, outcome, duration)
   WHERE j.id = f.id;

  RETURN QUERY
  SELECT q.id,
         p.r_settled[q.n::INTEGER],
         p.r_refund[q.n::INTEGER],
         p.r_reward[q.n::INTEGER],
         p.r_settled[q.n::INTEGER] OR EXISTS (SELECT 1 FROM jobs k WHERE k.id = q.id)
    FROM unnest(job_ids) WITH ORDINALITY AS q(id, n)
   ORDER BY q.n;
END;
$$;
