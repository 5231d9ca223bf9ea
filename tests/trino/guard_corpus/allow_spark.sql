-- Legitimate diagnostic reads for engine=spark that must pass. Cases are separated by a line `--@@`.
--@@
SELECT 1
--@@
SELECT * FROM reports.restaurants
--@@
SELECT r.start_date FROM reports.restaurants r
--@@
SELECT count(*) FROM reports.restaurants
--@@
SELECT max(start_date), min(start_date) FROM reports.restaurants
--@@
SELECT name, start_date FROM reports.restaurants WHERE start_date >= DATE'2024-01-01' ORDER BY start_date DESC LIMIT 10
--@@
WITH x AS (SELECT * FROM reports.restaurants) SELECT count(*) FROM x
--@@
SELECT * FROM reports.restaurants LATERAL VIEW explode(array(1, 2)) e AS v
--@@
SELECT name, row_number() OVER (ORDER BY start_date) FROM reports.restaurants
--@@
SELECT date_format(current_timestamp(), 'yyyy-MM-dd')
--@@
SELECT `name` FROM `reports`.`restaurants`
--@@
SELECT 'DROP TABLE reports.restaurants' AS harmless
--@@
SHOW TABLES
--@@
SHOW TABLES IN reports
--@@
SHOW DATABASES
--@@
SHOW COLUMNS IN reports.restaurants
--@@
SHOW CREATE TABLE reports.restaurants
--@@
SHOW TBLPROPERTIES reports.restaurants
--@@
DESCRIBE reports.restaurants
--@@
DESCRIBE EXTENDED reports.restaurants
--@@
EXPLAIN SELECT * FROM reports.restaurants
--@@
EXPLAIN EXTENDED SELECT count(*) FROM reports.restaurants
--@@
EXPLAIN FORMATTED SELECT count(*) FROM reports.restaurants
--@@
EXPLAIN COST SELECT 1
--@@
SELECT 1 UNION ALL SELECT 2
--@@
SELECT * FROM VALUES (1, 'a'), (2, 'b') AS t(id, v)
--@@
SELECT named_struct('a', 1)
--@@
SELECT count(DISTINCT name) FROM reports.restaurants
--@@
SELECT name FROM reports.restaurants GROUP BY name HAVING count(*) > 1
--@@
SELECT /* comment */ 1
--@@
SELECT 'a\'; DROP TABLE reports.restaurants; --' AS backslash_escaped_quote_keeps_one_string
