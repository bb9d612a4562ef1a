VACUUM (FULL false) t;
