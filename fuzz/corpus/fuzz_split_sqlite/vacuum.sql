VACUUM;
vacuum
;
VACUUMX;
