CREATE TEMP TABLE temp_mapping_table (id int4) ON COMMIT DROP;
CREATE TEMPORARY TABLE other_temp (id int4);
