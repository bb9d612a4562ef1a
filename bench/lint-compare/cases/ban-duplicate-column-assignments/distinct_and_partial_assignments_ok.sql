update k
set
  a = 1,
  b = 2;
update k
set
  a.x = 1,
  a.y = 2;
update k
set
  a[1] = 1,
  a[2] = 2;
update k
set
  "A" = 1,
  A = 2;
insert into k (a, b)
values (1, 2);
create table t (
  a int,
  b int
);
create foreign table ft (
  a int,
  b int
) server s;
create view v (a, b) as
select 1 a, 2 a;
create view inferred_v as
select 1 a, 2 b;
select 1 a, 2 b into z;
insert into k (a.x, a.y)
values (1, 2);
merge into k
using j on k.id = j.id
when not matched then
  insert (a.x, a.y)
  values (1, 2);
