insert into k
values (1)
on conflict (id)
do update
set
  a = 1,
  a = 2;
