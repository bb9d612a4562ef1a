/*
 * fuzz_sum.c: the strata.sum check (sum_check, lib/migration.c) against a
 * fuzzed strata.sum, in a temporary directory of the harness's own.
 *
 * Input: an optional migration set, then the file. When the input holds a
 * NUL byte, what comes before it is the set, one file name a line (names
 * migrations_load would refuse are dropped; each gets the SHA-256 of its
 * name as checksum), and what follows is
 * strata.sum; without one, the whole input is strata.sum against a fixed
 * set of three migrations (the seeds are its right sum and near misses).
 *
 * Promises checked: sum_check returns 0 exactly when the file equals what
 * sum_render writes, else STRATA_ECHECKSUM with a one-line message naming
 * strata.sum; sum_write followed by sum_check always passes.
 */
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "fuzz.h"
#include "internal.h"
#include "migration.h"

static char dir[64];
static char sumpath[96];

static void cleanup(void)
{
	unlink(sumpath);
	rmdir(dir);
}

static const char *const fixed[] = {
	"0001_create_users.sql",
	"0002_create_posts.sql",
	"20240103120000_add.index.sql",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* tmpfs when there is one: two files are written per input */
	snprintf(dir, sizeof dir, "%s", access("/dev/shm", W_OK) == 0 ? "/dev/shm/strata-fuzz-sum.XXXXXX"
	                                                             : "/tmp/strata-fuzz-sum.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(sumpath, sizeof sumpath, "%s/strata.sum", dir);
	atexit(cleanup);
	return 0;
}

/* 1 when fn could be a migration's file name (migrations_load accepts only
 * <digits>_<letters, digits, _ - .>.sql), so the set is one strata can see. */
static int plausible(const char *fn, size_t n)
{
	size_t i, v = 0;

	while (v < n && fn[v] >= '0' && fn[v] <= '9')
		v++;
	if (v == 0 || v > 32 || n < v + 6 || fn[v] != '_' || memcmp(fn + n - 4, ".sql", 4) != 0)
		return 0;
	for (i = v + 1; i < n - 4; i++) {
		char c = fn[i];
		if (!(c == '_' || c == '-' || c == '.' || (c >= '0' && c <= '9') ||
		      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return 0;
	}
	return 1;
}

static void add_migration(struct migration_set *s, const char *fn, size_t n)
{
	struct migration *m;

	if (!plausible(fn, n))
		return;
	m = &s->v[s->n++];
	memset(m, 0, sizeof *m);
	m->filename = sbuf_strndup(fn, n);
	if (!m->filename)
		abort();
	util_sha256_hex(fn, n, m->checksum);
	memcpy(m->checksum_raw, m->checksum, sizeof m->checksum_raw);
}

static void write_all(const char *path, const uint8_t *d, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || (n && fwrite(d, 1, n, f) != n) || fclose(f) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct migration_set set = { 0 };
	struct sbuf err = SBUF_INIT, want = SBUF_INIT;
	const uint8_t *z = memchr(data, 0, size), *sum = data;
	size_t sumlen = size, i;
	int rc;

	set.v = calloc(64, sizeof *set.v);
	if (!set.v)
		abort();
	if (z) {
		const char *p = (const char *)data, *end = (const char *)z;
		while (p < end && set.n < 64) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			if (n)
				add_migration(&set, p, n);
			p += n + 1;
		}
		sum = z + 1;
		sumlen = size - (size_t)(z + 1 - data);
	} else {
		for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
			add_migration(&set, fixed[i], strlen(fixed[i]));
	}

	write_all(sumpath, sum, sumlen);
	rc = sum_check(dir, &set, &err);
	sum_render(&set, &want);
	if (want.len == sumlen && memcmp(want.buf, sum, sumlen) == 0) {
		FUZZ_CHECK(rc == 0, "the right sum is refused: %s", err.buf);
	} else {
		FUZZ_CHECK(rc == STRATA_ECHECKSUM, "a wrong sum gives %d, not ECHECKSUM", rc);
		FUZZ_CHECK(strncmp(err.buf, sumpath, strlen(sumpath)) == 0,
		           "the message does not name strata.sum: %s", err.buf);
		FUZZ_CHECK(!fuzz_multiline(err.buf) && !fuzz_has_control(err.buf),
		           "the message is more than one line: %s", err.buf);
	}

	/* What hash writes, up checks and accepts. */
	sbuf_reset(&err);
	FUZZ_CHECK(sum_write(dir, &set, &err) == 0, "sum_write: %s", err.buf);
	sbuf_reset(&err);
	rc = sum_check(dir, &set, &err);
	FUZZ_CHECK(rc == 0, "sum_check refuses what sum_write wrote: %s", err.buf);

	unlink(sumpath);
	for (i = 0; i < set.n; i++)
		free(set.v[i].filename);
	free(set.v);
	sbuf_release(&err);
	sbuf_release(&want);
	return 0;
}
