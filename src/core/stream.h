/* stream.h — a sequential writer for large outputs (cav__stream_*), used by the audit and by
 * cav_sample.
 *
 * Writing gigabytes through the page cache cost this project's audit more than deciding them:
 * on a 2-core machine, 5 GB written with write(2) took 7 to 13 s of system time (the kernel's
 * copy into the page cache, its writeback, and throttling once dirty pages pass the kernel's
 * limit), and the final fsync waited for what was still dirty (bench/RESULTS-audit.md, "Writing
 * the output"). So, when the output is a regular file, the stream gathers the text in an aligned
 * buffer and writes it in whole 8 MiB blocks with O_DIRECT, through a second open file
 * description of the same file (/proc/self/fd), so the caller's descriptor, which other
 * processes may share (a shell's redirection), never changes its flags. The bytes before the
 * first 4 KiB boundary and after the last go through the caller's descriptor as ordinary writes.
 * When O_DIRECT is refused (a file system without it, no /proc, a write it will not take) the
 * stream writes through the caller's descriptor instead, from then on: the output is the same
 * either way.
 *
 * Anything that is not a regular file (a pipe, a terminal, a device), and a file opened for
 * appending (whose writes all go to its end), is written with write(2) as it comes, unbuffered. The
 * stream starts at the descriptor's offset; when it is closed the descriptor's offset is just past
 * the last byte written. Not thread-safe: one writer.
 */
#ifndef CAV_STREAM_H
#define CAV_STREAM_H

#include <stddef.h>

typedef struct cav_stream cav_stream;

/* Opens a stream onto fd, which stays the caller's. Returns 0, or -1 with errno (ENOMEM). */
int cav__stream_open(cav_stream **out, int fd);

/* Appends s[0, n). Returns 0, or -1 with errno (the write's error; nothing more is written). */
int cav__stream_write(cav_stream *st, const char *s, size_t n);

/* Writes what is buffered, leaves fd's offset past it and frees the stream (also after an error,
 * and when st is NULL). Returns 0, or -1 with errno. */
int cav__stream_close(cav_stream *st);

/* 1 when the stream has written with O_DIRECT (for tests). */
int cav__stream_went_direct(const cav_stream *st);

#endif
