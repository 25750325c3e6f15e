-- The batch functions read and write a few rows per request, always through a primary key or the
-- holds' expiry index. PL/pgSQL plans each of their statements once per connection and keeps the plan.
-- A plan made while a table was empty or not yet analyzed (a new database, or autovacuum off) can read
-- the whole table, or hash it, and then every later batch on that connection does so too, slower with
-- every job the ledger holds: a settle batch of 32 jobs took the server 1.9 ms after 30 000 jobs and
-- 9.3 ms after 90 000, its UPDATE of jobs a sequential scan. Within these functions sequential scans,
-- hash joins and merge joins are priced out, so every plan reads by key whatever the statistics say.
-- (They stay possible where nothing else is: the functions' joins of their own argument arrays become
-- nested loops over at most one batch.)
ALTER FUNCTION place_holds(TEXT[], TEXT[], BIGINT[], TEXT[], INTEGER[], TEXT[], BIGINT[])
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
ALTER FUNCTION settle_jobs(TEXT[], TEXT[], BIGINT[], TEXT[], TEXT[], TEXT[], BIGINT[], BIGINT[])
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
ALTER FUNCTION reap_expired_holds(BIGINT, INTEGER)
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
