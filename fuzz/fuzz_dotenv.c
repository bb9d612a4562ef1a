/*
 * fuzz_dotenv.c: the .env reader of the strata program (src/config.c).
 *
 * dotenv_get() is static, so the harness includes config.c itself. Each
 * input is tried two ways: dotenv_get() on the text for every variable
 * strata knows, and config_load() on the same bytes written as ./.env (in
 * a directory of the harness's own), which adds the whole-file read, the
 * refusal of NUL bytes and the DATABASE_SSL rule.
 *
 * Promises checked: a key is found exactly when a plain reading finds a
 * line "KEY=...", "KEY = ..." or "export KEY=..." for it; the value is one line, comes
 * from the last such line (the later setting wins), and is no longer than the text; the
 * line numbers given for the first and last setting are in order; config_load()
 * refuses exactly the files with a NUL byte (exit status 2) and reads no
 * setting from them, frees all it owned; DATABASE_SSL adds sslmode=require.
 */
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "../src/config.c"
#include "fuzz.h"

/* config.c's cli_open() needs these from output.c; the harness never calls
 * cli_open(), so stubs do (weak: output.c may be linked in one day). */
__attribute__((weak)) void cli_error(const char *fmt, ...) { (void)fmt; }
__attribute__((weak)) const char *cli_esc(const char *s) { return s; }
__attribute__((weak)) int cli_fail(strata_db *db, int rc) { (void)db; return rc ? 1 : 0; }
__attribute__((weak)) const char *cli_errmsg(strata_db *db) { (void)db; return ""; }
__attribute__((weak)) int cli_stderr_tty(const struct cli *cli) { (void)cli; return 0; }
__attribute__((weak)) void cli_log(void *payload, int level, const char *msg)
{
	(void)payload;
	(void)level;
	(void)msg;
}

/* Every variable config_load() reads (keep in step with src/config.c). */
static const char *const known[] = {
	"DATABASE_URL", "DATABASE_SSL", "STRATA_DIR", "STRATA_SCHEMA", "STRATA_DUMP",
	"STRATA_TABLE", "STRATA_DEV_URL", "STRATA_PG_SCHEMA", NULL,
};

static char dir[64];

static void cleanup(void)
{
	if (chdir("/") == 0)
		rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof dir, "%s", access("/dev/shm", W_OK) == 0 ? "/dev/shm/strata-fuzz-dotenv.XXXXXX"
	                                                             : "/tmp/strata-fuzz-dotenv.XXXXXX");
	if (!mkdtemp(dir) || chdir(dir) != 0)
		abort();
	atexit(cleanup);
	/* The process environment wins over .env: empty it for what we read. */
	for (i = 0; known[i]; i++)
		unsetenv(known[i]);
	return 0;
}

/* The last line a plain reader finds for key: its start, or NULL. */
static const char *last_line(const char *text, const char *key)
{
	size_t kl = strlen(key);
	const char *p = text, *found = NULL;

	while (p && *p) {
		const char *l = p;
		const char *nl = strchr(p, '\n');
		size_t ll = nl ? (size_t)(nl - p) : strlen(p);
		p = nl ? nl + 1 : NULL;
		while (ll && (*l == ' ' || *l == '\t'))
			l++, ll--;
		if (ll >= 7 && strncmp(l, "export ", 7) == 0)
			l += 7, ll -= 7;
		if (ll > kl && strncmp(l, key, kl) == 0) {
			/* KEY=value, or KEY = value (godotenv's and Node's spelling) */
			size_t k = kl;
			while (k < ll && (l[k] == ' ' || l[k] == '\t'))
				k++;
			if (k < ll && l[k] == '=')
				found = l;
		}
	}
	return found;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	struct cli cli;
	size_t i;
	FILE *f;

	for (i = 0; known[i]; i++) {
		long first = -1, last = -1;
		char *v = dotenv_get(text, known[i], &first, &last);
		const char *line = last_line(text, known[i]);

		FUZZ_CHECK((v != NULL) == (line != NULL), "%s: found %d, a plain reading %d",
		           known[i], v != NULL, line != NULL);
		if (!v)
			continue;
		FUZZ_CHECK(first >= 1 && first <= last, "%s: lines %ld and %ld", known[i], first, last);
		FUZZ_CHECK(strlen(v) <= strlen(text), "%s: value longer than the file", known[i]);
		FUZZ_CHECK(!strchr(v, '\n'), "%s: value spans lines", known[i]);
		/* The value comes from that line (quotes and comment removed). */
		FUZZ_CHECK(strstr(line, v) != NULL, "%s: value '%s' is not in its line", known[i], v);
		free(v);
	}

	f = fopen(".env", "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	memset(&cli, 0, sizeof cli);
	{
		int rc = config_load(&cli);
		int nul = size && memchr(data, '\0', size) != NULL;
		FUZZ_CHECK(rc == (nul ? 2 : 0), "config_load returned %d for a file %s a NUL byte", rc,
		           nul ? "with" : "without");
		FUZZ_CHECK(!nul || cli.nowned == 0, "settings read from a refused .env");
	}
	FUZZ_CHECK(cli.nowned >= 0 && cli.nowned <= (int)(sizeof cli.owned / sizeof cli.owned[0]),
	           "nowned %d", cli.nowned);
	if (cli.url) {
		const char *u = with_ssl(&cli, cli.url);
		FUZZ_CHECK(u != NULL, "with_ssl lost the URL");
		if (cli.ssl && u != cli.url)
			FUZZ_CHECK(strstr(u, "sslmode=require") != NULL, "DATABASE_SSL without sslmode");
	}
	config_release(&cli);
	FUZZ_CHECK(cli.nowned == 0, "config_release kept %d strings", cli.nowned);
	unlink(".env");
	free(text);
	return 0;
}
