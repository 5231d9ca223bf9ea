-- Must-refuse statements for engine=spark. Cases are separated by a line `--@@`.
--@@
INSERT INTO reports.restaurants VALUES (1, 'x')
--@@
INSERT OVERWRITE TABLE reports.restaurants SELECT * FROM reports.restaurants
--@@
INSERT OVERWRITE DIRECTORY '/tmp/out' USING parquet SELECT * FROM reports.restaurants
--@@
INSERT OVERWRITE LOCAL DIRECTORY '/tmp/out' SELECT 1
--@@
CREATE TABLE reports.t (a INT) USING parquet
--@@
CREATE TABLE reports.t USING parquet AS SELECT 1 AS a
--@@
CREATE TEMPORARY VIEW v AS SELECT 1
--@@
CREATE OR REPLACE TEMP VIEW v AS SELECT * FROM reports.restaurants
--@@
CREATE DATABASE evil
--@@
CREATE FUNCTION f AS 'com.evil.Udf' USING JAR '/tmp/evil.jar'
--@@
DROP TABLE reports.restaurants
--@@
DROP DATABASE reports CASCADE
--@@
ALTER TABLE reports.restaurants ADD COLUMNS (x INT)
--@@
ALTER TABLE reports.restaurants SET TBLPROPERTIES ('a' = 'b')
--@@
TRUNCATE TABLE reports.restaurants
--@@
DELETE FROM reports.restaurants WHERE true
--@@
UPDATE reports.restaurants SET name = 'x'
--@@
MERGE INTO reports.restaurants t USING reports.other s ON t.id = s.id WHEN MATCHED THEN DELETE
--@@
CACHE TABLE reports.restaurants
--@@
CACHE LAZY TABLE c AS SELECT * FROM reports.restaurants
--@@
UNCACHE TABLE reports.restaurants
--@@
CLEAR CACHE
--@@
REFRESH TABLE reports.restaurants
--@@
MSCK REPAIR TABLE reports.restaurants
--@@
ANALYZE TABLE reports.restaurants COMPUTE STATISTICS
--@@
ADD JAR '/tmp/evil.jar'
--@@
ADD FILE '/tmp/evil.py'
--@@
LIST FILES
--@@
SET spark.sql.ansi.enabled = false
--@@
SET
--@@
RESET
--@@
USE reports
--@@
USE CATALOG spark_catalog
--@@
SELECT reflect('java.lang.Runtime', 'getRuntime')
--@@
SELECT java_method('java.lang.System', 'exit', 0)
--@@
SELECT try_reflect('java.lang.Thread', 'sleep', 100000L)
--@@
SELECT TRANSFORM (name) USING 'sh -c "id"' AS (o) FROM reports.restaurants
--@@
SELECT TRANSFORM (*) USING 'cat' FROM reports.restaurants
--@@
SELECT * FROM parquet.`/etc`
--@@
SELECT * FROM text.`/etc/passwd`
--@@
SELECT * FROM csv.`file:///etc/shadow`
--@@
SELECT * FROM json.`/root/.aws/credentials`
--@@
SELECT * FROM binaryFile.`/root/.ssh/id_rsa`
--@@
SELECT * FROM read_files('/etc/passwd', format => 'text')
--@@
SELECT * FROM range(1000000000000)
--@@
SELECT * FROM explode(array(1, 2))
--@@
SELECT * FROM reports.restaurants; DROP TABLE reports.restaurants
--@@
WITH x AS (SELECT 1) INSERT INTO reports.restaurants SELECT * FROM x
--@@
EXPLAIN INSERT INTO reports.restaurants VALUES (1, 'x')
--@@
EXPLAIN EXTENDED CREATE TABLE t AS SELECT 1
--@@
EXPLAIN ANALYZE SELECT 1
--@@
SHOW TABLES FROM system
--@@
SELECT * FROM system.session.vars
--@@
DESCRIBE FUNCTION reflect
--@@
DECLARE VARIABLE v INT DEFAULT 1
--@@
SET VAR v = 2
--@@
BEGIN INSERT INTO reports.restaurants VALUES (1, 'x'); END
--@@
EXECUTE IMMEDIATE 'DROP TABLE reports.restaurants'
--@@
SELECT raise_error('boom')
--@@
SELECT assert_true(false)
--@@
SELECT * FROM org.apache.spark.sql.execution.datasources.text.TextFileFormat.`/etc/passwd`
--@@
SELECT * FROM `org.apache.spark.sql.execution.datasources.text.TextFileFormat`.`/etc/passwd`
--@@
SELECT * FROM org.apache.spark.sql.execution.datasources.binaryfile.BinaryFileFormat.`/etc/passwd`
--@@
SELECT * FROM `org.apache.spark.sql.execution.datasources.binaryfile.BinaryFileFormat`.`/etc/passwd`
--@@
SELECT * FROM com.databricks.spark.csv.`/etc/passwd`
--@@
SELECT * FROM `com.databricks.spark.csv`.`/etc/passwd`
--@@
SELECT * FROM org.apache.spark.sql.json.`/etc/passwd`
--@@
SELECT * FROM `org.apache.spark.sql.execution.datasources.text.TextFileFormat`.`*`
--@@
SELECT * FROM org.apache.spark.sql.execution.datasources.text.TextFileFormat.`*`
--@@
SELECT * FROM `text`.`*`
--@@
SELECT * FROM text.`.aws/credentials`
--@@
SELECT * FROM libsvm.`/etc/passwd`
--@@
SELECT * FROM image.`/etc`
--@@
SELECT * FROM noop.`x`
--@@
SELECT * FROM noop.x
--@@
SELECT * FROM json.`/etc/passwd`
--@@
SELECT * FROM csv.`/etc/passwd`
--@@
SELECT * FROM parquet.`/etc`
--@@
SELECT * FROM reports.restaurants WHERE id IN (SELECT length(value) FROM text.`/etc/passwd`)
--@@
CREATE TEMP VIEW leak AS SELECT * FROM text.`/etc/passwd`
--@@
CREATE TEMPORARY VIEW leak USING text OPTIONS (path '/etc/passwd')
--@@
SELECT * FROM TABLE(range(10))
--@@
SELECT * FROM range(10)
--@@
SELECT * FROM read_files('/etc/passwd')
--@@
SELECT input_file_name() FROM reports.restaurants
--@@
SELECT reflect('java.lang.System', 'getenv', 'HOME')
--@@
DESCRIBE text.`/etc/passwd`
--@@
EXPLAIN SELECT * FROM text.`/etc/passwd`
--@@
SELECT * FROM image.`.aws`
--@@
SELECT * FROM `json`.`x.json`
--@@
SELECT * FROM spark_catalog.text.`/etc/passwd`
--@@
SELECT * FROM hive_metastore.reports.restaurants
--@@
SELECT current_user()
--@@
SELECT java_method('java.lang.System', 'getenv', 'HOME')
--@@
SELECT input_file_block_start() FROM reports.restaurants
--@@
SELECT my_udf(name) FROM reports.restaurants
--@@
SELECT * FROM reports.restaurants LATERAL VIEW json_tuple_udf(name) t AS v
--@@
SELECT * FROM explode_outer(array(1))
--@@
SELECT * FROM stack(2, 1, 2)
