create foreign table t (
  a int,
  a text
) server s;
