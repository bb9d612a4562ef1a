create table t (
  a char[]
);
