create table users (
    id "serial"
);
create table users (
    id "bigserial"
);
