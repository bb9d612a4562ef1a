SELECT 'a;b', "c;d", `e;f`, [g;h]; -- x;y
SELECT 2; /* ; */ SELECT 3
