/* audit.h — the parts of `caveat audit` shared by its files: the command and its pipeline
 * (cmd_audit.c), deciding rows into output columns (audit_rows.c) and the summary
 * (audit_summary.c).
 *
 * Ownership: the command owns the audit, its chunks and its workers; a worker owns its caches and
 * statistics and is used by one thread at a time; a chunk belongs to whoever its state says (the
 * reader while free, one worker while busy, the writer when done). Only the table of distinct
 * decisions (shapes) is shared between workers, under shape_mu.
 */
#ifndef CAV_CLI_AUDIT_H
#define CAV_CLI_AUDIT_H

#include "caveat.h"
#include "cli/cli.h"
#include "core/csv.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

enum {
    CHUNK_BYTES = 1 << 20,  /* input bytes per chunk */
    MAX_ROW = CAV_MAX_LINE, /* longest row; a longer one is an error row */
    MAX_COLS = 4096,        /* columns of a CSV header */
    NAME_SLOTS = 1024,      /* per-thread name cache */
    DATE_SLOTS = 4096,      /* per-thread date cache */
    DEC_SLOTS = 8192,       /* per-thread decision cache */
    KEY_MAX = 48,           /* uint16 words of a decision key */
    SAMPLES = 10,           /* error rows kept for the summary */
    MAX_DATE_SLOTS = 8,     /* dates in one explanation template */
    MONTH_BASE = 1900 * 12, /* months are counted from 1900-01 to 2999-12 */
    NMONTHS = 1100 * 12
};

/* The query columns, in DESIGN.md order. */
enum {
    Q_ID,
    Q_DATE,
    Q_WEAPON,
    Q_SUPPLIER,
    Q_TLAT,
    Q_TLON,
    Q_KIND,
    Q_STATE,
    Q_PURPOSE,
    Q_LLAT,
    Q_LLON,
    NQ
};

enum { FMT_CSV, FMT_NDJSON };
enum { CH_FREE, CH_READY, CH_BUSY, CH_DONE };
enum { SPECIAL_NONE, SPECIAL_TOOLONG };

typedef struct audit_opts {
    const char *policies[64];
    int npolicies;
    const char *format, *input_format, *output, *summary;
    int threads, quiet;
    const char **inputs;
    int ninputs;
} audit_opts;

/* One error row kept for the summary. */
typedef struct err_sample {
    size_t row; /* in its chunk; made absolute by the writer */
    int file;
    char field[32];
    char message[160];
} err_sample;

typedef struct chunk {
    int state;    /* CH_* */
    uint64_t seq; /* input order */
    int file;     /* index of the input */
    int special;  /* SPECIAL_TOOLONG: one row that was too long, no data */
    char *in;     /* whole rows; at least 16 readable bytes follow in_len */
    size_t in_len, in_cap;
    char *out;
    size_t out_len, out_cap;
    uint64_t bytes_end; /* input bytes consumed (all files) once this chunk is done */
    size_t nrows, nerrors;
    err_sample samples[SAMPLES];
    int nsamples;
} chunk;

/* A distinct decision (without its date): counted per worker, summarised at the end. */
typedef struct shape {
    uint16_t key[KEY_MAX];
    int klen;
} shape;

typedef struct name_slot {
    uint64_t a, b; /* the first 8 and the last 8 bytes of the name, zero-padded */
    uint8_t used, tag, len;
    int32_t id;
} name_slot;

typedef struct date_slot {
    uint64_t a; /* the date's first 8 bytes */
    uint16_t b; /* its last 2 */
    uint16_t used;
    int32_t days, month; /* month: index from 1900-01 */
} date_slot;

typedef struct dec_slot {
    uint32_t hash;
    uint16_t klen, used;
    uint16_t key[KEY_MAX];
    int shape;
    int explain_ok;     /* 0: the explanation depends on the query; made per row */
    size_t frag, nfrag; /* in the worker's fragment buffer */
    int ndates;         /* places in the fragment where the row's date goes */
    uint32_t dates[MAX_DATE_SLOTS];
} dec_slot;

typedef struct audit audit;

typedef struct worker {
    audit *a;
    pthread_t thread;
    cav_csv_span *spans;
    size_t nspans;
    char *vals; /* unquoted values: query fields in the first half, re-encoded fields
                   in the second */
    size_t vals_cap;
    name_slot names[NAME_SLOTS];
    int nnames;
    date_slot dates[DATE_SLOTS];
    dec_slot *decs;
    int ndecs;
    char *frags;
    size_t nfrags, frags_cap;
    char *text; /* explanation and JSON scratch */
    size_t text_cap;
    /* statistics */
    uint64_t rows, errors, verdicts[3];
    uint64_t *shape_counts;
    int shape_cap;
    uint64_t (*months)[3];
    uint64_t err_fields[NQ + 2];
} worker;

struct audit {
    const cav_pack *pack;
    const audit_opts *o;
    int in_fmt, out_fmt;
    int ncols; /* CSV header columns (NDJSON input: NQ) */
    char **cols;
    int qcol[NQ]; /* column of each query field, -1 when absent */
    int nweapons, nparties;
    unsigned char *supplier_ok; /* [weapon][supplier + 1]: 1 when the query reader accepts the
                                   pair (supplier -1: none given) */
    char *header_line;          /* raw header of the first CSV input */
    size_t header_len;
    /* pipeline */
    pthread_mutex_t mu;
    pthread_cond_t cv_ready, cv_done, cv_free, cv_offset;
    chunk *chunks;
    /* output written by the workers (a regular file): each chunk takes the next offset in input
       order and the worker that made it writes it there, while its bytes are in its cache */
    int direct_fd;        /* -1: the main thread writes the chunks in order */
    uint64_t next_offset; /* where the next chunk in order goes */
    uint64_t offset_seq;  /* the chunk whose turn it is to take an offset */
    int nchunks;
    uint64_t nread; /* chunks submitted */
    int reader_done, failed;
    char fail_msg[1024];
    /* distinct decisions */
    pthread_mutex_t shape_mu;
    shape *shapes;
    int nshapes, shapes_cap;
    int *shape_index; /* open addressing, shape ids + 1 */
    int shape_index_cap;
    /* input position */
    uint64_t total_bytes; /* of all regular-file inputs; 0 when unknown */
    int total_known;
};

/* The query fields as CSV column names, in DESIGN.md order (index Q_*). */
extern const char *const cli_audit_fields[NQ];

typedef struct reason {
    char *text;
    uint64_t rows;
} reason;

/* Totals over all workers, by shape, for the summary. */
typedef struct totals {
    uint64_t rows_in, rows_out, errors, verdicts[3];
    uint64_t *party; /* nparties x 3 */
    uint64_t *rule;  /* nrules + 2 (default-deny, no-rules-in-force) */
    uint64_t (*months)[3];
    uint64_t err_fields[NQ + 2];
    reason *reasons;
    int nreasons;
    double seconds;
} totals;

/* Grows *buf (capacity *cap) so that len + more bytes fit. Returns 0, or -1 out of memory (the
 * buffer is then unchanged). */
int cli_audit_reserve(char **buf, size_t *cap, size_t len, size_t more);
/* Narrows [*s, *s + *n) to drop leading and trailing spaces and tabs. */
void cli_audit_trim(const char **s, size_t *n);

/* Fills a->supplier_ok from the pack (which weapon/supplier pairs the query reader accepts).
 * Returns 0, or -1 out of memory. */
int cli_audit_probe_suppliers(audit *a);
/* Decides every row of chunk c with worker w: c->out receives the output rows, c->nrows,
 * c->nerrors and c->samples the counts, w the statistics. Returns 0, or -1 out of memory. */
int cli_audit_process_chunk(worker *w, chunk *c);

/* Adds up the statistics of the nw workers and the shapes of a into t (t->rows_out and
 * t->seconds are the caller's). Returns 0, or -1 out of memory; free t with
 * cli_audit_totals_free() either way. */
int cli_audit_totals(audit *a, const worker *ws, int nw, totals *t);
void cli_audit_totals_free(totals *t);
/* The summary as a new JSON object (the caller decrefs it). */
json_t *cli_audit_summary_json(const audit *a, const totals *t, const err_sample *samples,
                               int nsamples);
/* The summary as text on f. */
void cli_audit_summary_text(const audit *a, const totals *t, const err_sample *samples,
                            int nsamples, FILE *f);

#endif
