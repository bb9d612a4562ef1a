create table t (
  a int,
  a text
);
