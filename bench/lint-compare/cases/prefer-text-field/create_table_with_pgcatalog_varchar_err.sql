create table t (
    "id" serial NOT NULL PRIMARY KEY,
    "alpha" pg_catalog.varchar(100) NOT NULL
);
