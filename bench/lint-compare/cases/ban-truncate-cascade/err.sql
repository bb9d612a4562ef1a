        truncate a, b, c cascade;
