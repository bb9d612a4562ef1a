  -- instead of
  DROP INDEX IF EXISTS "field_name_idx";
