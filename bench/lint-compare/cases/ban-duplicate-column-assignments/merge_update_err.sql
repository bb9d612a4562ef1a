merge into k
using j on k.id = j.id
when matched then
  update
  set
    a = 1,
    a = 2;
