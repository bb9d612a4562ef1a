-- squawk-disable-assume-in-transaction
BEGIN;
SELECT 1;
COMMIT;
