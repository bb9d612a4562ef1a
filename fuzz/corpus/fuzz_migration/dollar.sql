-- migrate:up
SELECT $$ -- migrate:down $$;
/* -- migrate:down */
