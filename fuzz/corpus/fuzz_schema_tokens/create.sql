CREATE TABLE "we""ird" ([a b] INTEGER CHECK (a >= 0 AND a <> 1), `c` TEXT DEFAULT 'it''s', d BLOB DEFAULT X'00ff', e REAL DEFAULT 1.5e-3 /* c */ -- x
)