COPY t FROM STDIN;
COPY t TO '/tmp/x';
