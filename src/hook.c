/*
 * hook.c: --before-each and --after-each (env STRATA_BEFORE_EACH and
 * STRATA_AFTER_EACH): the library's hook callbacks (strata_up_opts and
 * strata_down_opts), here running a shell command. The command runs through
 * /bin/sh -c with a clean environment: PATH, HOME, TMPDIR, TZ and the locale
 * are kept, nothing else (DATABASE_URL, PGPASSWORD and the like stay out),
 * plus STRATA_HOOK, STRATA_MIGRATION, STRATA_VERSION, STRATA_DIRECTION and
 * STRATA_DATABASE (the URL with its password redacted). Its stdin is
 * /dev/null and its stdout goes to strata's stderr, so that stdout stays the
 * report (--json). It runs while the run's lock and transaction are held:
 * docs/strata-up.md says what that means for a hook that uses the database.
 */
#include "cli.h"
#include "sbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The variables a hook keeps from strata's own environment. */
static const char *const kept[] = { "PATH", "HOME", "TMPDIR", "TZ", "LANG", "LC_ALL", "LC_CTYPE",
                                    "LC_MESSAGES", NULL };

/* "NAME=value" for envp, or NULL (out of memory). */
static char *env_pair(const char *name, const char *value)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_addf(&sb, "%s=%s", name, value);
	return sbuf_detach(&sb);
}

/* The command as the message shows it: at most 60 bytes. */
static void cmd_shown(struct sbuf *out, const char *cmd)
{
	size_t n = strlen(cmd);

	if (n > 60)
		sbuf_addf(out, "'%.57s...'", cmd);
	else
		sbuf_addf(out, "'%s'", cmd);
}

int cli_hook(void *payload, const strata_hook_info *info, char **msg)
{
	struct cli *cli = payload;
	const char *cmd = strcmp(info->when, "before") ? cli->after_each : cli->before_each;
	char *envp[sizeof kept / sizeof kept[0] + 6];
	struct sbuf mig = SBUF_INIT, m = SBUF_INIT;
	size_t ne = 0, i;
	pid_t pid;
	int st = 0, rc = 0, err;

	if (!cmd)
		return 0;
	for (i = 0; kept[i]; i++) {
		const char *v = getenv(kept[i]);
		if (v)
			envp[ne++] = env_pair(kept[i], v);
	}
	if (!getenv("PATH"))
		envp[ne++] = env_pair("PATH", "/usr/local/bin:/usr/bin:/bin");
	sbuf_addf(&mig, "%s_%s", info->version, info->name);
	envp[ne++] = env_pair("STRATA_HOOK", strcmp(info->when, "before") ? "after-each" : "before-each");
	envp[ne++] = env_pair("STRATA_MIGRATION", mig.buf);
	envp[ne++] = env_pair("STRATA_VERSION", info->version);
	envp[ne++] = env_pair("STRATA_DIRECTION", info->direction);
	envp[ne++] = env_pair("STRATA_DATABASE", info->url);
	envp[ne] = NULL;
	for (i = 0; i < ne; i++)
		if (!envp[i])
			rc = -1;
	if (rc || sbuf_failed(&mig)) {
		*msg = strdup("out of memory");
		rc = -1;
		goto out;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "sh", "-c", (char *)cmd, NULL };
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(126);
		if (null > STDERR_FILENO)
			close(null);
		signal(SIGPIPE, SIG_DFL);
		execve("/bin/sh", argv, envp);
		_exit(127);
	}
	err = errno;
	cmd_shown(&m, cmd);
	if (pid < 0) {
		sbuf_addf(&m, " could not be started: %s", strerror(err));
		rc = -1;
	} else {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			rc = 0;
		else if (WIFEXITED(st)) {
			rc = WEXITSTATUS(st);
			sbuf_addf(&m, " exited with status %d", rc);
		} else {
			rc = -1;
			sbuf_addf(&m, " was killed by signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
		}
	}
	if (rc)
		*msg = sbuf_failed(&m) ? NULL : sbuf_detach(&m);
out:
	for (i = 0; i < ne; i++)
		free(envp[i]);
	sbuf_release(&mig);
	sbuf_release(&m);
	return rc;
}
