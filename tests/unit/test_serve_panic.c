/* test_serve_panic.c — the service's report when libmicrohttpd cannot go on (src/serve/panic.c).
 *
 * The line itself (counters, a reason with line breaks, a buffer too small), then the real thing:
 * a child process installs the report and runs a libmicrohttpd daemon whose request handler
 * suspends a connection, which libmicrohttpd forbids without MHD_ALLOW_SUSPEND_RESUME and answers
 * by calling its panic function. The child must die of SIGABRT with the whole line on its standard
 * error.
 */
#include "check.h"
#include "serve.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static srv_metrics m; /* static: zeroed, and alive in the child until it aborts */

static void format_checks(void) {
    atomic_store(&m.connections, 3);
    atomic_store(&m.inflight, 1);
    atomic_store(&m.requests[0][0], 40);
    atomic_store(&m.requests[EP_COUNT - 1][SRV_NCODES - 1], 2);
    atomic_store(&m.log_records, 7);
    char buf[1024];
    size_t n = srv_panic_format(buf, sizeof buf, &m, "daemon.c", 42, "Broken\nstate!\n");
    CHECK_EQ_STR(buf,
                 "caveat serve: fatal: libmicrohttpd cannot go on: Broken state! (daemon.c:42); "
                 "at that moment: 3 connections, 1 requests in progress, 42 answered, 7 "
                 "decision log records written, 0 log failures; aborting\n");
    CHECK_EQ_INT(n, strlen(buf));
    n = srv_panic_format(buf, sizeof buf, &m, NULL, 0, NULL);
    CHECK(strstr(buf, "cannot go on: no reason given (?:0);") != NULL);
    CHECK_EQ_INT(n, strlen(buf));
    /* too small: cut, and still one ended line */
    n = srv_panic_format(buf, 21, &m, "daemon.c", 42, "x");
    CHECK_EQ_INT(n, 20);
    CHECK_EQ_STR(buf, "caveat serve: fatal\n");
    n = srv_panic_format(buf, 1, &m, "daemon.c", 42, "x");
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_STR(buf, "");
}

static enum MHD_Result suspend(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **req) {
    (void)cls, (void)url, (void)method, (void)version, (void)upload, (void)upload_size, (void)req;
    MHD_suspend_connection(c); /* forbidden on this daemon: libmicrohttpd panics */
    return MHD_NO;
}

static void child(int err_fd, int port_fd) {
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none); /* the abort is expected: no core file */
    dup2(err_fd, STDERR_FILENO);
    alarm(60); /* no panic: the child ends by SIGALRM and the checks fail */
    srv_panic_install(&m);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, suspend, NULL,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a, MHD_OPTION_END);
    const union MHD_DaemonInfo *info = d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    unsigned short port = info ? info->port : 0;
    if (write(port_fd, &port, sizeof port) != (ssize_t)sizeof port || !port)
        _exit(3);
    for (;;)
        pause();
}

static void panic_checks(void) {
    int errp[2], portp[2];
    int piped = pipe(errp) == 0 && pipe(portp) == 0;
    CHECK(piped);
    if (!piped)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        close(errp[0]), close(portp[0]);
        child(errp[1], portp[1]);
    }
    close(errp[1]), close(portp[1]);
    CHECK(pid > 0);
    unsigned short port = 0;
    CHECK(read(portp[0], &port, sizeof port) == (ssize_t)sizeof port && port);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    CHECK(port && connect(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
          write(fd, req, sizeof req - 1) == (ssize_t)sizeof req - 1);
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    static char out[1 << 16];
    size_t n = 0;
    for (ssize_t k; n + 1 < sizeof out && (k = read(errp[0], out + n, sizeof out - 1 - n)) > 0;)
        n += (size_t)k;
    out[n] = '\0';
    const char *line = strstr(out, "caveat serve: fatal: libmicrohttpd cannot go on: Cannot "
                                   "suspend connections without enabling "
                                   "MHD_ALLOW_SUSPEND_RESUME! (");
    CHECK(line != NULL);
    if (!line)
        fprintf(stderr, "the child's standard error:\n%s\n", out);
    const char *end = line ? strchr(line, '\n') : NULL;
    const char *tail = "at that moment: 3 connections, 1 requests in progress, 42 answered, 7 "
                       "decision log records written, 0 log failures; aborting\n";
    /* one whole line: the counters, then its end */
    CHECK(end && (size_t)(end + 1 - line) > strlen(tail) &&
          memcmp(end + 1 - strlen(tail), tail, strlen(tail)) == 0);
    close(fd), close(errp[0]), close(portp[0]);
}

int main(void) {
    format_checks();
    panic_checks();
    return check_done();
}
