DROP INDEX "idx1", "idx2";
