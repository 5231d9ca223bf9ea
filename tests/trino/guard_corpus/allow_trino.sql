-- Legitimate diagnostic reads for engine=trino that must pass. Cases are separated by a line `--@@`.
-- Every case runs against the real Trino (tpch.tiny, memory.default) in the engine tests.
--@@
SELECT 1
--@@
SELECT count(*) FROM tpch.tiny.nation
--@@
SELECT * FROM tpch.tiny.nation
--@@
select name from tpch.tiny.nation where regionkey = 1
--@@
SELECT n.name, r.name FROM tpch.tiny.nation n JOIN tpch.tiny.region r ON n.regionkey = r.regionkey
--@@
SELECT r.name, count(*) AS nations FROM tpch.tiny.nation n JOIN tpch.tiny.region r ON n.regionkey = r.regionkey GROUP BY r.name ORDER BY nations DESC
--@@
SELECT max(orderdate) FROM tpch.tiny.orders
--@@
SELECT max(orderdate), min(orderdate), count(*) FROM tpch.tiny.orders
--@@
SELECT orderstatus, count(*) FROM tpch.tiny.orders GROUP BY 1
--@@
SELECT orderdate, count(*) FROM tpch.tiny.orders WHERE orderdate >= DATE '1998-01-01' GROUP BY orderdate ORDER BY orderdate DESC LIMIT 10
--@@
SELECT count(*) FROM tpch.tiny.orders WHERE orderdate = DATE '1998-08-02'
--@@
SELECT count_if(totalprice IS NULL) AS null_prices FROM tpch.tiny.orders
--@@
SELECT approx_distinct(custkey) FROM tpch.tiny.orders
--@@
SELECT custkey, count(*) c FROM tpch.tiny.orders GROUP BY custkey HAVING count(*) > 20 ORDER BY c DESC
--@@
WITH daily AS (SELECT orderdate d, count(*) n FROM tpch.tiny.orders GROUP BY 1) SELECT * FROM daily ORDER BY d DESC LIMIT 7
--@@
WITH a AS (SELECT 1 AS x), b AS (SELECT x + 1 AS y FROM a) SELECT * FROM b
--@@
WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT * FROM t
--@@
SELECT * FROM tpch.tiny.nation WHERE regionkey IN (SELECT r.regionkey FROM tpch.tiny.region r WHERE r.name = 'ASIA')
--@@
SELECT * FROM tpch.tiny.nation n WHERE EXISTS (SELECT 1 FROM tpch.tiny.customer c WHERE c.nationkey = n.nationkey)
--@@
SELECT name, rank() OVER (PARTITION BY regionkey ORDER BY name) FROM tpch.tiny.nation
--@@
SELECT name, row_number() OVER (ORDER BY nationkey) rn FROM tpch.tiny.nation
--@@
SELECT name, lag(name) OVER (ORDER BY nationkey) FROM tpch.tiny.nation
--@@
SELECT 1 UNION ALL SELECT 2
--@@
SELECT nationkey FROM tpch.tiny.nation UNION SELECT regionkey FROM tpch.tiny.region
--@@
SELECT nationkey FROM tpch.tiny.nation INTERSECT SELECT regionkey FROM tpch.tiny.region
--@@
SELECT nationkey FROM tpch.tiny.nation EXCEPT SELECT regionkey FROM tpch.tiny.region
--@@
(SELECT 1)
--@@
VALUES 1, 2, 3
--@@
SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS t(id, name)
--@@
SELECT * FROM UNNEST(ARRAY[1, 2, 3]) AS t(x)
--@@
SELECT name, x FROM tpch.tiny.nation CROSS JOIN UNNEST(ARRAY[1, 2]) AS u(x)
--@@
SELECT n.name, x.rname FROM tpch.tiny.nation n CROSS JOIN LATERAL (SELECT r.name AS rname FROM tpch.tiny.region r WHERE r.regionkey = n.regionkey) x
--@@
SELECT CAST('2024-01-01' AS date)
--@@
SELECT current_date, current_timestamp, now()
--@@
SELECT date_trunc('day', current_timestamp)
--@@
SELECT date_add('day', -1, current_date)
--@@
SELECT from_iso8601_timestamp('2024-01-01T00:00:00Z')
--@@
SELECT json_extract_scalar('{"a": 1}', '$.a')
--@@
SELECT regexp_extract('task_id=load_reports', 'task_id=(\w+)', 1)
--@@
SELECT split_part('a.b.c', '.', 2)
--@@
SELECT lower(name), upper(comment) FROM tpch.tiny.nation
--@@
SELECT coalesce(NULL, 1), nullif(1, 1), if(true, 'y', 'n')
--@@
SELECT CASE WHEN regionkey = 0 THEN 'africa' ELSE 'other' END FROM tpch.tiny.nation
--@@
SELECT try_cast('x' AS integer)
--@@
SELECT typeof(1.5), typeof('x')
--@@
SELECT 'DROP TABLE t; DELETE FROM x' AS harmless_string
--@@
SELECT 'INSERT INTO t VALUES (1)' AS q, 'system.query' AS f
--@@
SELECT name AS "delete", comment AS "insert" FROM tpch.tiny.nation
--@@
SELECT "name" FROM "tpch"."tiny"."nation"
--@@
SELECT * FROM tpch.tiny.nation -- trailing comment
--@@
-- leading comment
SELECT * FROM tpch.tiny.nation
--@@
/* block comment */ SELECT 1
--@@
SELECT 1 /* inline ; semicolon in a comment */
--@@
SELECT 1;
--@@
SELECT 1 ;
   
--@@
SELECT 'café' AS unicode_in_string
--@@
SELECT name AS "名前" FROM tpch.tiny.nation
--@@
SELECT *
FROM tpch.tiny.nation
WHERE name LIKE 'A%'
ORDER BY name
--@@
SELECT * FROM tpch.tiny.nation LIMIT 5
--@@
SELECT * FROM tpch.tiny.nation ORDER BY nationkey OFFSET 5 LIMIT 5
--@@
SELECT * FROM tpch.tiny.nation FETCH FIRST 3 ROWS ONLY
--@@
SELECT DISTINCT regionkey FROM tpch.tiny.nation
--@@
SELECT regionkey, array_agg(name) FROM tpch.tiny.nation GROUP BY regionkey
--@@
SELECT regionkey, listagg(name, ',') WITHIN GROUP (ORDER BY name) FROM tpch.tiny.nation GROUP BY 1
--@@
SELECT map(ARRAY['a'], ARRAY[1])
--@@
SELECT ROW(1, 'a')
--@@
SELECT * FROM tpch.tiny.lineitem TABLESAMPLE BERNOULLI (1)
--@@
SELECT count(*) FROM tpch.tiny.lineitem WHERE shipdate > DATE '1998-11-01'
--@@
SELECT returnflag, linestatus, sum(quantity) FROM tpch.tiny.lineitem GROUP BY returnflag, linestatus
--@@
SELECT mktsegment, avg(acctbal) FROM tpch.tiny.customer GROUP BY ROLLUP (mktsegment)
--@@
SELECT table_name FROM tpch.information_schema.tables WHERE table_schema = 'tiny'
--@@
SELECT column_name, data_type FROM tpch.information_schema.columns WHERE table_schema = 'tiny' AND table_name = 'orders'
--@@
SELECT query_id, state, error_code FROM system.runtime.queries WHERE state = 'FAILED'
--@@
SELECT query_id, "user", query, created FROM system.runtime.queries ORDER BY created DESC LIMIT 10
--@@
SELECT node_id, state FROM system.runtime.nodes
--@@
SELECT count(*) FROM system.runtime.tasks
--@@
SHOW CATALOGS
--@@
SHOW SCHEMAS FROM tpch
--@@
SHOW SCHEMAS FROM tpch LIKE 't%'
--@@
SHOW TABLES FROM tpch.tiny
--@@
SHOW TABLES FROM tpch.tiny LIKE 'n%'
--@@
SHOW COLUMNS FROM tpch.tiny.nation
--@@
show columns from tpch.tiny.orders
--@@
SHOW CREATE TABLE memory.default.restaurants
--@@
SHOW STATS FOR tpch.tiny.nation
--@@
SHOW FUNCTIONS LIKE 'date%'
--@@
DESCRIBE tpch.tiny.nation
--@@
DESC tpch.tiny.orders
--@@
EXPLAIN SELECT * FROM tpch.tiny.nation
--@@
EXPLAIN (TYPE VALIDATE) SELECT name FROM tpch.tiny.nation
--@@
EXPLAIN (TYPE LOGICAL) SELECT count(*) FROM tpch.tiny.orders
--@@
EXPLAIN (TYPE DISTRIBUTED, FORMAT TEXT) SELECT count(*) FROM tpch.tiny.orders
--@@
EXPLAIN (FORMAT JSON) SELECT 1
--@@
EXPLAIN (TYPE IO) SELECT * FROM tpch.tiny.nation
--@@
explain with a as (select 1 x) select * from a
--@@
SELECT * FROM memory.default.restaurants
--@@
SELECT r.start_date FROM memory.default.restaurants r
--@@
SELECT max(start_date) FROM memory.default.restaurants
--@@
SELECT count(*) FROM memory.default.restaurants WHERE start_date >= DATE '2024-01-01'
--@@
SELECT n.name FROM tpch.tiny.nation AS n WHERE n.nationkey BETWEEN 1 AND 5
--@@
SELECT sum(extendedprice * (1 - discount)) AS revenue FROM tpch.tiny.lineitem WHERE shipdate >= DATE '1994-01-01' AND shipdate < DATE '1995-01-01'
--@@
SELECT o.orderkey FROM tpch.tiny.orders o LEFT JOIN tpch.tiny.lineitem l ON o.orderkey = l.orderkey WHERE l.orderkey IS NULL
--@@
SELECT format('%s-%s', 'a', 'b')
--@@
SELECT to_unixtime(current_timestamp) - 3600
--@@
SELECT name FROM tpch.tiny.nation WHERE comment LIKE '%final%' AND name <> 'x'
