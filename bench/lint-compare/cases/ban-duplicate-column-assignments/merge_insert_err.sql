merge into t
using s on t.id = s.id
when not matched then
  insert (a, a)
  values (1, 2);
