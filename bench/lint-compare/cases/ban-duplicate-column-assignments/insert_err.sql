insert into t (a, a)
values (1, 2);
