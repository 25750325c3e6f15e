-- The per-job writes (a job, its hold and its charge; then its rewards or refund) no longer check
-- their references with foreign-key triggers: each such check is a query and a row lock on the
-- referenced row, seven per job, costing the server about as much as the inserts themselves. The
-- references hold by construction instead: every statement that writes a job, hold or journal row
-- takes its account from the account row it debits or credits in that same statement, and its job from
-- the job row it inserts or the hold it deletes; accounts and jobs are never deleted. A reward's
-- operator comes from the request: it is checked by the nodes table's foreign key (every reward adds
-- to its node's row in the same statement), so settling with an unknown operator still writes nothing
-- and fails as before.
ALTER TABLE jobs DROP CONSTRAINT jobs_account_id_fkey;
ALTER TABLE holds DROP CONSTRAINT holds_job_id_fkey;
ALTER TABLE holds DROP CONSTRAINT holds_account_id_fkey;
ALTER TABLE transactions DROP CONSTRAINT transactions_account_id_fkey;
ALTER TABLE transactions DROP CONSTRAINT transactions_job_id_fkey;
