"""The functions a diagnostic query may call, by family: an allowlist checked against sqlglot's tree.

A function node matches when its name (an unknown function's own name, or any SQL name sqlglot gives a known
function class) is listed here. Anything else is refused: JVM reflection, file readers, UDFs, remote calls,
sleeps, side channels, table-valued functions. Entries are lower case; sqlglot's canonical names (`time_to_str`
for Spark `date_format`, `str_position` for `strpos`, ...) are listed next to the spelling users write.
"""

from __future__ import annotations

AGGREGATES = """
count count_if sum avg mean min max any_value arbitrary first first_value last last_value approx_distinct
approx_count_distinct approx_percentile percentile percentile_approx percentile_cont percentile_disc median mode
stddev stddev_pop stddev_samp std variance var_pop var_samp corr covar_pop covar_samp kurtosis skewness
bool_and bool_or every some bit_and bit_or bit_xor array_agg collect_list collect_set listagg string_agg
group_concat max_by min_by arg_max arg_min count_distinct histogram map_agg multimap_agg checksum
regr_slope regr_intercept regr_count regr_r2 regr_avgx regr_avgy approx_most_frequent grouping approx_top_k
hll_sketch_agg try_sum try_avg geometric_mean
"""
WINDOW = """
row_number rank dense_rank percent_rank cume_dist ntile lag lead nth_value
"""
MATH = """
abs ceil ceiling floor round bround trunc truncate sign signum sqrt cbrt pow power exp ln log log2 log10 log1p
expm1 mod pmod div greatest least rand random pi e degrees radians sin cos tan asin acos atan atan2 sinh cosh
tanh width_bucket is_nan is_finite is_infinite isnan nanvl infinity nan negative positive factorial hypot
try_add try_subtract try_multiply try_divide to_number try_to_number hex unhex bin conv to_base from_base
safe_divide shiftleft shiftright bitwise_and bitwise_or bitwise_xor bitwise_not bit_count
"""
STRING = """
lower upper lcase ucase length len char_length character_length octet_length bit_length concat concat_ws
substr substring substring_index left right trim ltrim rtrim btrim lpad rpad replace translate reverse repeat
split split_part strpos str_position position instr locate starts_with startswith ends_with endswith contains
like ilike rlike regexp regexp_like regexp_extract regexp_extract_all regexp_replace regexp_count regexp_instr
regexp_substr regexp_split initcap format format_string printf format_number chr char ascii unicode space
levenshtein soundex hamming_distance normalize to_utf8 from_utf8 encode decode base64 unbase64 to_base64
from_base64 to_hex from_hex luhn_check url_extract_host url_extract_path url_extract_parameter parse_url
word_stem elt overlay sentences split_to_map lpad rpad codepoint string_to_array array_to_string
uuid
"""
DATETIME = """
current_date current_timestamp current_time localtimestamp localtime now current_timezone
date_format date_parse format_datetime parse_datetime date_trunc timestamp_trunc datetrunc date_add date_sub
date_diff datediff timestamp_add timestamp_diff timestampadd timestampdiff add_months months_between
extract date_part datepart year quarter month week weekofyear day dayofmonth dayofweek day_of_week dow
dayofyear day_of_year doy hour minute second millisecond year_of_week yow last_day next_day to_date to_timestamp
to_unix_timestamp unix_timestamp from_unixtime from_unixtime_nanos to_unixtime from_iso8601_timestamp
from_iso8601_date to_iso8601 from_utc_timestamp to_utc_timestamp at_timezone with_timezone date timestamp
make_date make_timestamp make_interval date_from_unix_date unix_date unix_seconds unix_millis unix_micros
timestamp_seconds timestamp_millis timestamp_micros window session_window human_readable_seconds
parse_duration to_milliseconds time_to_str str_to_time str_to_date time_str_to_time time_str_to_date
time_str_to_unix time_to_unix unix_to_time unix_to_str unix_to_time_str date_to_date_str date_str_to_date
ts_or_ds_to_date ts_or_ds_add ts_or_ds_diff ts_or_ds_to_date_str di_to_date date_to_di
timestamp_sub current_datetime try_to_timestamp convert_timezone
"""
CONDITIONAL = """
case if iff coalesce nullif ifnull nvl nvl2 isnull isnotnull try equal_null zeroifnull nullifzero
"""
CAST_TYPE = """
cast try_cast safe_cast typeof json_typeof
"""
COLLECTIONS = """
array array_contains array_position array_distinct array_union array_intersect array_except array_join
array_max array_min array_sort sort_array array_size cardinality size element_at slice flatten arrays_overlap
arrays_zip array_remove array_repeat array_compact array_append array_prepend array_insert sequence
array_first array_last contains_sequence
map map_keys map_values map_entries map_from_arrays map_from_entries map_concat map_contains_key
str_to_map var_map struct named_struct row get_field struct_extract transform filter aggregate reduce exists
forall any_match all_match none_match zip zip_with array_filter array_transform array_any array_all
array_concat array_construct array_overlaps array_unique_agg
get get_json_object json_extract json_extract_scalar json_extract_path_text json_value json_query json_format
json_parse json_array_length json_array_get json_array_contains json_size json_object_keys json_tuple
from_json to_json schema_of_json from_csv to_csv schema_of_csv parse_json json_exists json_object json_array
"""
GENERATORS = """
explode explode_outer posexplode posexplode_outer inline inline_outer stack unnest
"""
HASHING = """
md5 sha sha1 sha2 sha256 sha512 crc32 xxhash64 xxhash hash murmur3 fnv1a_32 fnv1a_64 spooky_hash_v2_32
spooky_hash_v2_64 md5_digest sha1_digest sha2_digest
"""
BIT_AND_MISC = """
bitmap_count approx_set cardinality hyperloglog merge empty_approx_set
"""

ALLOWED_FUNCTIONS = frozenset(
    " ".join((AGGREGATES, WINDOW, MATH, STRING, DATETIME, CONDITIONAL, CAST_TYPE, COLLECTIONS, GENERATORS, HASHING,
              BIT_AND_MISC)).split()
)  # fmt: skip

# Trino's `current_user` is how a caller sees whom impersonation runs it as; on local Spark it would name the
# operating-system account of the server, so it stays off there.
SESSION_TRINO = frozenset({"current_user", "current_catalog", "current_schema"})
