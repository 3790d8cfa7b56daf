/* locale_fixture.h — the locales whose decimal point is not '.' for the tests that need them:
 * de_DE.UTF-8 (a comma) and ps_AF.UTF-8 (U+066B, two bytes in UTF-8).
 *
 * No generated system locale is assumed (a fresh Debian has none): ctest's fixture locale/build
 * makes them with localedef into <build>/locale and passes LOCPATH. A test binary run directly
 * (tests/valgrind.sh, a developer) has no LOCPATH: it then uses <directory of the binary>/locale,
 * building a missing locale there with localedef. A locale that cannot be set, or whose decimal
 * point is '.', fails the test with a message; it never skips.
 */
#ifndef CAV_LOCALE_FIXTURE_H
#define CAV_LOCALE_FIXTURE_H

#include <locale.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Points LOCPATH at <directory of this binary>/locale, building `name` ("de_DE.UTF-8") there
 * with localedef if it is missing. */
static void locale_fixture_default_path(const char *name) {
    char dir[4096], out[4300], input[64];
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 16);
    if (n <= 0)
        return;
    dir[n] = '\0';
    char *slash = strrchr(dir, '/');
    if (!slash)
        return;
    strcpy(slash, "/locale");
    setenv("LOCPATH", dir, 1);
    snprintf(out, sizeof out, "%s/%s/LC_NUMERIC", dir, name);
    if (access(out, R_OK) == 0)
        return;
    snprintf(out, sizeof out, "%s/%s", dir, name);
    snprintf(input, sizeof input, "%.*s", (int)strcspn(name, "."), name); /* de_DE */
    char *argv[] = {"localedef", "-i", input, "-f", "UTF-8", out, NULL};
    pid_t pid;
    int status = 0;
    mkdir(dir, 0777);
    fprintf(stderr, "building the locale %s with localedef\n", out);
    if (posix_spawnp(&pid, "localedef", NULL, NULL, argv, environ) == 0)
        waitpid(pid, &status, 0);
}

/* Sets the locale of the whole process to `name`; returns 0, or -1 after a message when it is
 * not available or its decimal point is '.'. */
static int locale_fixture_set(const char *name) {
    static int from_env = -1; /* LOCPATH came from the environment, not from here */
    if (from_env < 0)
        from_env = getenv("LOCPATH") != NULL;
    if (!from_env)
        locale_fixture_default_path(name);
    const char *set = setlocale(LC_ALL, name);
    char probe[16];
    snprintf(probe, sizeof probe, "%.1f", 0.5);
    if (!set || strcmp(probe, "0.5") == 0) {
        const char *lp = getenv("LOCPATH");
        fprintf(stderr,
                "FAIL: the locale %s is not available (LOCPATH=%s, printf gives \"%s\"). It is "
                "built with localedef (ctest's fixture locale/build) from /usr/share/i18n/locales "
                "of the Debian package 'locales' (make setup).\n",
                name, lp ? lp : "(unset)", probe);
        return -1;
    }
    return 0;
}

#endif
