create view v as
select 1 a, 2 a;
