-- Must-refuse statements for engine=trino. Cases are separated by a line `--@@`.
-- Sources: plain DML/DDL, akko-mcp-trino's recorded bypasses (CTE-wrapped DELETE, EXPLAIN ANALYZE INSERT,
-- system.query), SQLite/PostgreSQL MCP read-only bypass reports (leading comments, `WITH x AS (SELECT 1) DELETE`,
-- `-- limit` suppressing an appended LIMIT, `COMMIT; DROP`), and Trino's own statement list.
--@@
INSERT INTO memory.default.t VALUES (1)
--@@
INSERT INTO memory.default.t SELECT * FROM tpch.tiny.nation
--@@
insert into memory.default.t (a) values (1)
--@@
UPDATE memory.default.t SET a = 1
--@@
UPDATE memory.default.t SET a = a WHERE 1 = 0
--@@
DELETE FROM memory.default.t
--@@
DELETE FROM memory.default.t WHERE a IN (SELECT a FROM memory.default.t)
--@@
MERGE INTO memory.default.t t USING memory.default.s s ON t.a = s.a WHEN MATCHED THEN DELETE
--@@
MERGE INTO t USING s ON t.a = s.a WHEN NOT MATCHED THEN INSERT VALUES (s.a)
--@@
TRUNCATE TABLE memory.default.t
--@@
CREATE TABLE memory.default.t (a integer)
--@@
CREATE TABLE memory.default.t AS SELECT * FROM tpch.tiny.nation
--@@
CREATE TABLE IF NOT EXISTS memory.default.t AS SELECT 1 AS a
--@@
CREATE OR REPLACE TABLE memory.default.t AS SELECT 1 AS a
--@@
CREATE VIEW memory.default.v AS SELECT 1 AS a
--@@
CREATE OR REPLACE VIEW memory.default.v AS SELECT * FROM tpch.tiny.nation
--@@
CREATE MATERIALIZED VIEW memory.default.mv AS SELECT 1 AS a
--@@
CREATE SCHEMA memory.evil
--@@
CREATE SCHEMA IF NOT EXISTS memory.evil
--@@
CREATE ROLE admin2
--@@
CREATE FUNCTION memory.default.f() RETURNS integer RETURN 1
--@@
DROP TABLE memory.default.t
--@@
DROP TABLE IF EXISTS memory.default.t
--@@
DROP VIEW memory.default.v
--@@
DROP SCHEMA memory.default CASCADE
--@@
DROP MATERIALIZED VIEW memory.default.mv
--@@
DROP ROLE admin
--@@
ALTER TABLE memory.default.t ADD COLUMN b integer
--@@
ALTER TABLE memory.default.t RENAME TO memory.default.t2
--@@
ALTER TABLE memory.default.t DROP COLUMN a
--@@
ALTER TABLE memory.default.t EXECUTE optimize
--@@
ALTER TABLE iceberg.s.t EXECUTE expire_snapshots(retention_threshold => '0d')
--@@
ALTER SCHEMA memory.default RENAME TO x
--@@
ALTER VIEW memory.default.v RENAME TO memory.default.v2
--@@
ALTER MATERIALIZED VIEW memory.default.mv SET PROPERTIES x = 1
--@@
COMMENT ON TABLE memory.default.t IS 'pwned'
--@@
COMMENT ON COLUMN memory.default.t.a IS 'pwned'
--@@
REFRESH MATERIALIZED VIEW memory.default.mv
--@@
ANALYZE memory.default.t
--@@
GRANT SELECT ON memory.default.t TO USER mallory
--@@
GRANT ALL PRIVILEGES ON SCHEMA memory.default TO ROLE public
--@@
REVOKE SELECT ON memory.default.t FROM USER alice
--@@
GRANT admin TO USER mallory
--@@
DENY SELECT ON memory.default.t TO USER alice
--@@
SET ROLE admin
--@@
SET SESSION query_max_run_time = '1d'
--@@
SET SESSION memory.foo = true
--@@
RESET SESSION query_max_run_time
--@@
SET TIME ZONE 'UTC'
--@@
SET PATH memory.default
--@@
SET AUTHORIZATION mallory
--@@
USE memory.default
--@@
USE tpch.tiny
--@@
CALL system.runtime.kill_query(query_id => '20240101_000000_00000_xxxxx', message => 'bye')
--@@
CALL system.sync_partition_metadata('s', 't', 'FULL')
--@@
call memory.system.flush_metadata_cache()
--@@
PREPARE p FROM SELECT 1
--@@
PREPARE p FROM DELETE FROM memory.default.t
--@@
EXECUTE p
--@@
EXECUTE p USING 1
--@@
EXECUTE IMMEDIATE 'DELETE FROM memory.default.t'
--@@
DEALLOCATE PREPARE p
--@@
DESCRIBE INPUT p
--@@
DESCRIBE OUTPUT p
--@@
START TRANSACTION
--@@
START TRANSACTION READ WRITE
--@@
COMMIT
--@@
ROLLBACK
--@@
COMMIT; DROP TABLE memory.default.t
--@@
SELECT 1; DROP TABLE memory.default.t
--@@
SELECT 1; SELECT 2
--@@
SELECT 1;; 
--@@
SELECT 1 ; DELETE FROM memory.default.t ;
--@@
SELECT * FROM tpch.tiny.nation; -- comment
INSERT INTO memory.default.t VALUES (1)
--@@
WITH a AS (DELETE FROM memory.default.t) SELECT 1
--@@
WITH a AS (INSERT INTO memory.default.t VALUES (1)) SELECT * FROM a
--@@
WITH a AS (UPDATE memory.default.t SET a = 2) SELECT 1
--@@
WITH x AS (SELECT 1) DELETE FROM memory.default.t
--@@
WITH x AS (SELECT 1) INSERT INTO memory.default.t SELECT * FROM x
--@@
WITH x AS (SELECT 1) DELETE FROM memory.default.t -- limit
--@@
SELECT * FROM (DELETE FROM memory.default.t)
--@@
SELECT (SELECT 1 FROM (INSERT INTO memory.default.t VALUES (1)))
--@@
SELECT * INTO memory.default.t2 FROM tpch.tiny.nation
--@@
/* x */ UPDATE memory.default.t SET a = a WHERE 1 = 0
--@@
-- x
UPDATE memory.default.t SET a = a WHERE 1 = 0
--@@
/* SELECT */ DELETE FROM memory.default.t
--@@
/* x */ CREATE TABLE memory.default.probe (id int)
--@@
-- SELECT 1
DROP TABLE memory.default.t
--@@
/*+ read_only */ INSERT INTO memory.default.t VALUES (1)
--@@
SELECT 1 /* ; DROP TABLE memory.default.t */ ; DROP TABLE memory.default.t
--@@
EXPLAIN ANALYZE SELECT * FROM tpch.tiny.nation
--@@
EXPLAIN ANALYZE VERBOSE SELECT * FROM tpch.tiny.nation
--@@
explain analyze INSERT INTO memory.default.t VALUES (1)
--@@
EXPLAIN /* x */ ANALYZE SELECT 1
--@@
EXPLAIN
ANALYZE
SELECT 1
--@@
EXPLAIN INSERT INTO memory.default.t VALUES (1)
--@@
EXPLAIN DELETE FROM memory.default.t
--@@
EXPLAIN (TYPE VALIDATE) CREATE TABLE memory.default.t AS SELECT 1 AS a
--@@
EXPLAIN (TYPE DISTRIBUTED) DROP TABLE memory.default.t
--@@
EXPLAIN (FORMAT JSON, TYPE IO) DELETE FROM memory.default.t
--@@
EXPLAIN SELECT 1; DROP TABLE memory.default.t
--@@
EXPLAIN EXPLAIN ANALYZE SELECT 1
--@@
EXPLAIN (TYPE VALIDATE) SELECT * FROM TABLE(system.query(query => 'DROP TABLE t'))
--@@
SELECT * FROM TABLE(system.query(query => 'SELECT 1'))
--@@
SELECT * FROM TABLE(postgresql.system.query(query => 'DELETE FROM users RETURNING 1'))
--@@
SELECT * FROM TABLE(mysql.system.query(query => 'DROP TABLE t'))
--@@
SELECT * FROM TABLE(system.raw_query(query => 'x'))
--@@
SELECT * FROM TABLE(exclude_columns(input => TABLE(tpch.tiny.nation), columns => DESCRIPTOR(comment)))
--@@
SELECT * FROM TABLE(sequence(start => 1, stop => 1000000000))
--@@
SELECT * FROM TABLE(elasticsearch.system.raw_query(schema => 'default', index => 'i', query => '{}'))
--@@
SELECT * FROM TABLE(bigquery.system.query(query => 'DELETE FROM d.t WHERE true'))
--@@
SELECT * FROM TABLE ( system . query ( query => 'x' ) )
--@@
SELECT * FROM tpch.tiny.nation n JOIN TABLE(system.query(query => 'x')) q ON true
--@@
WITH q AS (SELECT * FROM TABLE(system.query(query => 'x'))) SELECT * FROM q
--@@
SELECT * FROM system.metadata.catalogs
--@@
SELECT * FROM system.metadata.table_properties
--@@
SELECT * FROM system.jdbc.tables
--@@
SELECT * FROM system.runtime.transactions
--@@
SELECT * FROM system.runtime.optimizer_rule_stats
--@@
SELECT * FROM system.information_schema.tables
--@@
SELECT * FROM "system"."metadata"."catalogs"
--@@
SELECT * FROM SYSTEM.METADATA.CATALOGS
--@@
SELECT * FROM system.metadata.materialized_views
--@@
SELECT * FROM tpch.tiny.nation WHERE n_name IN (SELECT catalog_name FROM system.metadata.catalogs)
--@@
WITH c AS (SELECT * FROM system.metadata.catalogs) SELECT * FROM c
--@@
SELECT * FROM tpch.tiny.nation UNION ALL SELECT * FROM system.metadata.catalogs
--@@
SHOW SCHEMAS FROM system
--@@
SHOW TABLES FROM system.runtime
--@@
SHOW TABLES FROM system.metadata
--@@
SHOW COLUMNS FROM system.metadata.catalogs
--@@
SHOW CREATE TABLE system.metadata.catalogs
--@@
SHOW STATS FOR (SELECT * FROM tpch.tiny.nation)
--@@
SHOW TABLES; DROP TABLE memory.default.t
--@@
SHOW TABLES /* ; */ FROM tpch.tiny
--@@
SHOW GRANTS
--@@
SHOW ROLES
--@@
SHOW SESSION
--@@
SHOW CREATE FUNCTION memory.default.f
--@@
SHOW BRANCHES FROM TABLE iceberg.s.t
--@@
SELECT * FROM forbidden_catalog.s.t
--@@
SELECT * FROM tpch.sf1.nation
--@@
SELECT * FROM tpch.tiny.nation JOIN secret.hr.salaries s ON true
--@@
SELECT * FROM hive.finance.payroll
--@@
SHOW TABLES FROM secret.hr
--@@
SHOW SCHEMAS FROM secret
--@@
DESCRIBE secret.hr.salaries
--@@
SELECT memory.default.evil_fn(1)
--@@
SELECT system.builtin.sleep(1)
--@@
LOCK TABLE memory.default.t
--@@
VACUUM memory.default.t
--@@
KILL QUERY '20240101_000000_00000_xxxxx'
--@@
SELECT * FROM memory.default.t WHERE
--@@
SELEC 1
--@@
SELECT FROM WHERE
--@@
)
--@@
'unterminated
--@@
   
--@@
;
--@@
-- only a comment
--@@
/* only a comment */
--@@
SELECT "unterminated FROM tpch.tiny.nation
--@@
DESCRIBE QUERY SELECT 1
--@@
TABLE memory.default.t
--@@
VALUES 1; DELETE FROM memory.default.t
--@@
SELECT * FROM tpch.tiny.nation FOR UPDATE
--@@
UPSERT INTO memory.default.t VALUES (1)
--@@
REPLACE INTO memory.default.t VALUES (1)
--@@
COPY memory.default.t FROM '/etc/passwd'
--@@
LOAD DATA INPATH '/tmp/x' INTO TABLE memory.default.t
--@@
ATTACH DATABASE '/tmp/x.db' AS x
--@@
PRAGMA writable_schema = ON
--@@
SET SESSION AUTHORIZATION mallory
--@@
RESET SESSION AUTHORIZATION
--@@
SELECT * FROM tpch.tiny.nation; 
SELECT 2
--@@
SELECT * FROM nation
--@@
SELECT * FROM tiny.nation
--@@
SELECT * FROM "tpch/tiny".nation
--@@
SELECT * FROM tpch."tiny.x".nation
--@@
SELECT * FROM tpch.tiny."../nation"
--@@
SELECT reflect('java.lang.System', 'getenv', 'HOME')
--@@
SELECT my_udf(1)
--@@
SELECT sleep(1000)
--@@
SELECT * FROM TABLE(sequence(1, 10))
