/* panic.c — what `caveat serve` says when libmicrohttpd cannot go on.
 *
 * libmicrohttpd calls a panic function when it finds a state it cannot continue from (a broken
 * invariant of its own, or a call it forbids) and expects it not to return. Its default prints
 * through stdio and aborts; once, under AddressSanitizer in CI, all that reached the log of a
 * failed test was "Fatal error" cut short, with nothing to say what the server was doing. This
 * one formats the whole report first, with the service's counters at that moment, writes it to
 * standard error with write(2) (no stdio buffer to lose; a short write is continued), and aborts:
 * a daemon in that state must not go on answering.
 *
 * The function is libmicrohttpd's one process-wide setting (MHD_set_panic_func): srv_run sets it
 * before the daemon starts, with the server's counters, and sets libmicrohttpd's own back once the
 * daemon has stopped, before those counters are freed.
 */
#include "serve.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <unistd.h>

static unsigned long long total(const atomic_ullong *a, size_t n) {
    unsigned long long t = 0;
    for (size_t i = 0; i < n; i++)
        t += atomic_load(&a[i]);
    return t;
}

size_t srv_panic_format(char *buf, size_t n, srv_metrics *m, const char *file, unsigned line,
                        const char *reason) {
    if (n < 2) {
        if (n)
            buf[0] = '\0';
        return 0;
    }
    char why[400];
    size_t k = 0;
    for (const char *r = reason ? reason : "no reason given"; *r && k + 1 < sizeof why; r++)
        why[k++] = *r == '\n' || *r == '\r' ? ' ' : *r; /* one line, whatever the reason holds */
    while (k && why[k - 1] == ' ')
        k--;
    why[k] = '\0';
    int w = snprintf(buf, n,
                     "caveat serve: fatal: libmicrohttpd cannot go on: %s (%s:%u); at that moment: "
                     "%lld connections, %lld requests in progress, %llu answered, %llu decision "
                     "log records written, %llu log failures; aborting\n",
                     why, file ? file : "?", line, (long long)atomic_load(&m->connections),
                     (long long)atomic_load(&m->inflight),
                     total(&m->requests[0][0], sizeof m->requests / sizeof m->requests[0][0]),
                     (unsigned long long)atomic_load(&m->log_records),
                     (unsigned long long)atomic_load(&m->log_failures));
    if (w < 0)
        return 0;
    if ((size_t)w >= n) { /* cut short: the line still ends */
        buf[n - 2] = '\n';
        return n - 1;
    }
    return (size_t)w;
}

static void panic(void *cls, const char *file, unsigned int line, const char *reason) {
    char msg[1024];
    size_t len = srv_panic_format(msg, sizeof msg, cls, file, line, reason);
    for (size_t off = 0; off < len;) {
        ssize_t k = write(STDERR_FILENO, msg + off, len - off);
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    abort();
}

void srv_panic_install(srv_metrics *m) {
    if (m)
        MHD_set_panic_func(panic, m);
    else
        MHD_set_panic_func(NULL, NULL);
}
