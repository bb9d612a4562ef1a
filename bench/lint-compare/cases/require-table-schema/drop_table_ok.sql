DROP TABLE public.my_table;
