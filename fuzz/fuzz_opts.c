/*
 * fuzz_opts.c: the strata program's option parser (src/opts.c): argument
 * vectors and option values as a script or a CI pipeline might build them.
 *
 * Input: the arguments, separated by NUL bytes (at most 32). They go to
 * opts_parse() as the arguments of a command with a table like up's
 * (a string, a number, a duration, booleans), after the global options;
 * each argument is also tried as a duration (parse_duration).
 *
 * Promises checked beyond memory safety and UB (a double that is not a
 * number must not be converted to long): opts_parse returns -2..argc-1;
 * on success the positional arguments come first and argv is NULL-ended;
 * string options point at the caller's arguments; numbers and durations
 * are never negative.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "../src/opts.c"
#include "fuzz.h"

/* opts.c prints through output.c; the harness needs only this. */
__attribute__((weak)) void cli_error(const char *fmt, ...) { (void)fmt; }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* usage goes to stdout on -h: keep the fuzzer's output readable */
	if (!freopen("/dev/null", "w", stdout))
		abort();
	return 0;
}

#define MAXARGS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *args[MAXARGS + 2], *orig[MAXARGS + 2];
	struct cli cli;
	const char *to = NULL;
	long steps = 0, dur = 0, ms;
	int dry = 0, all = 0, argc = 1, n, i;
	size_t p = 0;
	const struct opt opts[] = {
		OPT_STRING(0, "to", &to, "VERSION", "up to VERSION"),
		OPT_LONG('n', "steps", &steps, "N", "N migrations"),
		OPT_DURATION(0, "wait", &dur, "how long"),
		OPT_DRY_RUN(&dry),
		OPT_BOOL('a', "all", &all, "all"),
		OPT_END(),
	};

	if (!buf)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	args[0] = (char *)"up";
	while (p <= size && argc <= MAXARGS) {
		args[argc++] = buf + p;
		p += strlen(buf + p) + 1;
	}
	args[argc] = NULL;
	memcpy(orig, args, sizeof args);
	/* Known bug "duration-nan": parse_duration converts NaN to long (UB).
	 * Let it through by spelling every "nan" otherwise. */
	if (fuzz_known("duration-nan"))
		for (i = 0; i < (int)size; i++)
			if ((buf[i] | 32) == 'n' && (buf[i + 1] | 32) == 'a')
				buf[i] = 'x';

	for (i = 1; i < argc; i++) {
		ms = -1;
		if (parse_duration(args[i], &ms) == 0)
			FUZZ_CHECK(ms >= 0 && ms <= INT_MAX, "parse_duration('%s') gave %ld", args[i], ms);
	}

	memset(&cli, 0, sizeof cli);
	n = opts_parse(&cli, "strata up [options]", opts, argc, args);
	FUZZ_CHECK(n >= -2 && n < argc, "opts_parse returned %d of %d", n, argc);
	if (n >= 0) {
		FUZZ_CHECK(args[n + 1] == NULL, "argv not NULL-ended after %d positionals", n);
		for (i = 1; i <= n; i++) {
			int found = 0, k;
			for (k = 1; k < argc; k++)
				found |= args[i] == orig[k];
			FUZZ_CHECK(found, "positional %d is not one of the arguments", i);
		}
		FUZZ_CHECK(steps >= 0 && dur >= 0 && cli.keep >= 0 && cli.lock_timeout_ms >= 0 &&
		           cli.statement_timeout_ms >= 0, "a negative number was accepted");
		if (to) {
			int found = 0, k;
			for (k = 1; k < argc; k++)
				found |= to >= orig[k] && to <= orig[k] + strlen(orig[k]);
			FUZZ_CHECK(found, "--to does not point into the arguments");
		}
	}
	free(buf);
	return 0;
}
