CREATE TABLE public.my_table (id int);
