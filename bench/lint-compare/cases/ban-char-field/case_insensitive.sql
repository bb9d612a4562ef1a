create table t (
  a Char
);
