/* boo */ALTER TABLE users ADD COLUMN email TEXT;
