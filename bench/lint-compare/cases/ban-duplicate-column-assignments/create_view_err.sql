create view v (a, a) as
select 1, 2;
