update k
set
  a = 1,
  A = 2;
update k
set
  "a" = 1,
  a = 2;
