-- migrate:up transaction:false
VACUUM;
-- migrate:down transaction:true
SELECT 1;
