/* comma_locale.h — the decimal-comma locale de_DE.UTF-8 for the unit tests that need one.
 *
 * No generated system locale is assumed (a fresh Debian has none): ctest's fixture locale/de_DE
 * builds it with localedef into <build>/locale and passes LOCPATH. A test binary run directly
 * (tests/valgrind.sh, a developer) has no LOCPATH: it then uses <directory of the binary>/locale,
 * building the locale there with localedef when it is missing. A locale that cannot be set, or
 * whose decimal point is not a comma, fails the test with a message; it never skips.
 */
#ifndef CAV_COMMA_LOCALE_H
#define CAV_COMMA_LOCALE_H

#include <locale.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Points LOCPATH at <directory of this binary>/locale, building de_DE.UTF-8 there if needed. */
static void comma_locale_default_path(void) {
    char dir[4096], probe[4200];
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 16);
    if (n <= 0)
        return;
    dir[n] = '\0';
    char *slash = strrchr(dir, '/');
    if (!slash)
        return;
    strcpy(slash, "/locale");
    snprintf(probe, sizeof probe, "%s/de_DE.UTF-8/LC_NUMERIC", dir);
    if (access(probe, R_OK) != 0) {
        snprintf(probe, sizeof probe, "%s/de_DE.UTF-8", dir);
        char *argv[] = {"localedef", "-i", "de_DE", "-f", "UTF-8", probe, NULL};
        pid_t pid;
        int status = 0;
        mkdir(dir, 0777);
        fprintf(stderr, "building the locale %s with localedef\n", probe);
        if (posix_spawnp(&pid, "localedef", NULL, NULL, argv, environ) == 0)
            waitpid(pid, &status, 0);
    }
    setenv("LOCPATH", dir, 1);
}

/* Sets the locale of the whole process to de_DE.UTF-8; returns 0, or -1 after a message. */
static int comma_locale_set(void) {
    if (!getenv("LOCPATH"))
        comma_locale_default_path();
    const char *set = setlocale(LC_ALL, "de_DE.UTF-8");
    char probe[16];
    snprintf(probe, sizeof probe, "%.1f", 0.5);
    if (!set || strcmp(probe, "0,5") != 0) {
        const char *lp = getenv("LOCPATH");
        fprintf(stderr,
                "FAIL: the locale de_DE.UTF-8 is not available (LOCPATH=%s, printf gives \"%s\"). "
                "It is built with localedef (ctest's fixture locale/de_DE) from "
                "/usr/share/i18n/locales/de_DE of the Debian package 'locales' (make setup).\n",
                lp ? lp : "(unset)", probe);
        return -1;
    }
    return 0;
}

#endif
