ALTER TYPE my_enum ADD VALUE 'new_value';
