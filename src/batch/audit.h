/* audit.h — the parts of the audit engine (cav_audit_*, docs/audit.md) shared by its files: the
 * pipeline (audit.c), the reading of headers and options into a plan (audit_plan.c), deciding rows
 * into output rows (audit_rows.c), the decision cache (audit_cache.c), the summary
 * (audit_summary.c) and coordinates (coords.c, mgrs.cpp).
 *
 * Ownership: the audit owns its plan, chunks and workers; a worker owns its caches and statistics
 * and is used by one thread at a time; a chunk belongs to whoever its state says (the reader while
 * free, one worker while busy, the writer when done). Nothing is shared between workers but the
 * read-only pack and plan, so the hot path takes no lock.
 */
#ifndef CAV_BATCH_AUDIT_H
#define CAV_BATCH_AUDIT_H

#include "caveat.h"
#include "core/csv.h"

#include <pthread.h>
#include <stdint.h>

enum {
    AUDIT_CHUNK = 1 << 20,    /* input bytes per chunk */
    AUDIT_MAX_ROW = 1 << 20,  /* longest row; a longer one is an error row */
    AUDIT_MAX_COLS = 4096,    /* columns of a CSV header */
    AUDIT_SLACK = 64,         /* readable bytes after a chunk's input (word loads) */
    AUDIT_SAMPLES = 10,       /* error rows kept for the summary */
    AUDIT_MONTH0 = 1900 * 12, /* months are counted from 1900-01 */
    AUDIT_NMONTHS = 201 * 12, /* to 2100-12 (cav_date_parse's years) */
    AUDIT_NVERDICTS = 4
};

/* How a column came to give its field (reported in the summary). */
typedef enum col_how { HOW_NONE, HOW_NAMED, HOW_USUAL, HOW_MAPPED } col_how;

/* What a CSV column gives. */
typedef enum col_kind {
    COL_PASS,        /* not part of the query: passed through */
    COL_FIELD,       /* a query field (col.field) */
    COL_ID,          /* the query's id, echoed */
    COL_MGRS_TARGET, /* an MGRS reference: target.lat and target.lon */
    COL_MGRS_LAUNCH  /* the same for the launch point */
} col_kind;

typedef struct audit_col {
    char *name;     /* as the header writes it (unquoted) */
    char *out_name; /* its name in the output (input.NAME when it collides with an output column) */
    col_kind kind;
    int field; /* cav_qfield for COL_FIELD, else -1 */
    col_how how;
} audit_col;

/* Output columns (--columns). */
typedef enum out_kind {
    OUT_INPUT_ALL,
    OUT_INPUT_COL, /* one input column (out_item.col) */
    OUT_LINE,
    OUT_DATE,
    OUT_DECISION,
    OUT_PARTIES,
    OUT_RULE,
    OUT_VALID_FROM,
    OUT_VALID_UNTIL,
    OUT_EXPLANATION,
    OUT_WHY,
    OUT_ERROR,
    OUT_NKINDS
} out_kind;

typedef struct out_item {
    out_kind kind;
    int col;
} out_item;

/* Everything decided before the first row: formats, columns, output layout. Read-only while the
 * workers run. */
typedef struct audit_plan {
    int ndjson_in;
    cav_format out;
    char delim;
    int delim_detected;
    int ncols;
    audit_col *cols;
    int col_of[CAV_Q_COUNT]; /* the column of each field, -1 */
    int id_col, mgrs_target, mgrs_launch;
    out_item *items;
    int nitems;
    int has_decision_items;   /* some item is derived from the decision */
    int has_validity_items;   /* valid_from or valid_until is an item */
    int has_explanation_item; /* explanation is an item */
    char *header;             /* the CSV output header line, with its newline */
    size_t header_len;
    char **map_from, **map_to; /* --map as given, for the summary */
    int nmap;
} audit_plan;

/* One error row kept for the summary. */
typedef struct audit_sample {
    int file;
    long line;
    char field[64];
    char message[400];
} audit_sample;

enum { CH_FREE, CH_READY, CH_BUSY, CH_DONE };

typedef struct chunk {
    int state;       /* CH_* */
    uint64_t seq;    /* input order */
    int file;        /* index of the input */
    long first_line; /* file line of the chunk's first byte */
    int too_long;    /* one row longer than AUDIT_MAX_ROW, whose bytes were dropped */
    char *in;        /* whole rows; AUDIT_SLACK readable bytes follow in_len */
    size_t in_len, in_cap;
    cav_split split; /* NDJSON: the splitter's state at the chunk's start */
    cav_buf out;
    size_t nrows, nerrors;
    audit_sample samples[AUDIT_SAMPLES];
    int nsamples;
} chunk;

/* A cached name or date: the value a setter gave for exact input bytes. */
typedef struct value_slot {
    uint64_t hash;
    uint32_t off, len; /* key bytes in the worker's key store */
    int32_t value;     /* id, or days */
    int16_t field;
    uint16_t used;
} value_slot;

/* Slots of a worker's decision cache (a power of two; half may be filled before it is emptied).
 * A log's distinct decisions, each with the facts its explanation reads, number some 24,000 in a
 * million rows of `caveat sample`: 16,384 slots emptied the cache every 45,000 rows, a miss in 8
 * rows; 65,536 slots (a table of 512 KB a worker, and about 20 MB of entries when half full) hold
 * them. */
#define AUDIT_DEC_SLOTS 65536

/* A cached decision: the output columns of one distinct decision (see audit_cache.c). An entry,
 * in the worker's entry store (w->texts): this header, then its key (key_len int32
 * words), the rules it counts, and its columns' texts. */
typedef struct dec_slot {
    uint32_t key_len;         /* int32 words */
    int32_t date;             /* the date the explanation was made for */
    uint16_t nslots;          /* places in the explanation where the row's date goes */
    uint16_t state;           /* SLOT_* */
    uint32_t count_off;       /* rules counted for the summary (ids; nrules: default deny, */
    int32_t ncount;           /* nrules + 1: silent), in the entry store */
    uint32_t text_off;        /* the columns' texts, in the entry store */
    uint32_t len[OUT_NKINDS]; /* length of each derived column's text (0: none) */
    uint32_t at[OUT_NKINDS];  /* offset of each from text_off */
    uint32_t slots[8];
} dec_slot;

/* A slot of the decision cache's table: the hash of an entry's key and where the entry is. The
 * table is small (8 bytes a slot) and the entry one stretch of memory, so a hit
 * reads the table where the processor's caches hold it and the entry with one miss: the entry
 * in the table, its key and its texts apart were three, a seventh of the audit's time
 * (bench/RESULTS-audit.md). */
typedef struct dec_index {
    uint32_t tag; /* the low half of the hash of the entry's key, odd; 0: an empty slot */
    uint32_t off; /* where the entry is, in 8-byte units */
} dec_index;

typedef struct cav_audit cav_audit;

typedef struct worker {
    cav_audit *a;
    pthread_t thread;
    cav_csv_span *spans;
    cav_csv_span *spans2; /* the next row's, read ahead (audit_rows.c) */
    size_t nspans;        /* of each */
    char *vals;           /* unquoted values */
    size_t vals_cap;
    /* caches (audit_cache.c): names and dates by their bytes, decisions by their content */
    value_slot *values;
    uint32_t nvalues;
    dec_index *decs;
    uint32_t ndecs;
    int32_t dkey[448]; /* the key of the row being decided (cav__audit_decision_begin) */
    int dklen;         /* its words, -1: none */
    uint64_t dhash;
    int lead;      /* CSV output: the plan's items written before a row's cache lookup */
    cav_buf keys;  /* key bytes of the value cache */
    cav_buf texts; /* the decision cache's entries: key, counted rules and column texts */
    cav_buf scratch, scratch2, idbuf;
    /* statistics */
    uint64_t rows, errors, verdicts[AUDIT_NVERDICTS];
    uint64_t *party;  /* nparties x 4 */
    uint64_t *rule;   /* nrules + 2: default-deny, silent */
    uint64_t *months; /* AUDIT_NMONTHS x 4 */
    uint64_t err_fields[CAV_Q_COUNT + 1];
    uint64_t cache_hits, cache_misses;
    uint64_t cache_clears; /* times the decision cache was emptied (a test reads it) */
} worker;

struct cav_audit {
    const cav_pack *pack;
    cav_pack *ref; /* the reference taken on the pack */
    audit_plan plan;
    unsigned flags;
    int nthreads;
    char **inputs;
    int ninputs;
    int fd, file; /* the input being read */
    int out_fd;
    int ran;
    /* pipeline */
    pthread_mutex_t mu;
    pthread_cond_t cv_ready, cv_done, cv_free;
    chunk *chunks;
    int nchunks;
    uint64_t nread; /* chunks submitted */
    int reader_done, failed;
    char fail_msg[512];
    /* the reader's carry-over between chunks */
    char *carry;
    size_t ncarry, carry_cap;
    long line;         /* file line of the carry's first byte */
    cav_split split;   /* NDJSON splitter state at the carry's start */
    uint64_t geo_rows; /* GeoJSON: features written, for the separating commas */
    /* dates where what an explanation says can change beyond a party's rules for the weapon
     * (audit_cache.c), sorted, in segments: segment s is [epoch_off[s], epoch_off[s + 1]); one a
     * party (party_dates), then every rule's and note's */
    int32_t *epoch_dates;
    size_t *epoch_off;
    uint64_t note_zones[16]; /* the zones the notes' conditions test (CAV_MAX_ZONE_WORDS words) */
    unsigned note_fields;    /* the fields they test (bit cav_field) */
    unsigned *exception_fields; /* by rule: the fields its exceptions test (bit cav_field) */
    uint32_t dec_slots;         /* slots of each worker's decision cache (AUDIT_DEC_SLOTS) */
    /* results */
    worker *workers;
    uint64_t rows_out;
    audit_sample samples[AUDIT_SAMPLES];
    int nsamples;
    double seconds;
};

/* ---- audit_plan.c ---- */
/* Reads the header s[0, n) (one CSV row, its line end excluded) into the plan with the options'
 * --map, delimiter and --columns. Returns 0, or CAV_EQUERY / CAV_EINVAL with every problem in err
 * (one a line). */
int cav__audit_plan_csv(audit_plan *pl, const cav_audit_opts *o, const char *s, size_t n,
                        cav_buf *err);
/* The plan of NDJSON input: output columns only. */
int cav__audit_plan_ndjson(audit_plan *pl, const cav_audit_opts *o, cav_buf *err);
void cav__audit_plan_free(audit_plan *pl);
/* The name of a column's binding ("named", "usual name", "--map"), and of an output column. */
const char *cav__audit_how_name(col_how h);
const char *cav__audit_out_name(out_kind k);

/* ---- audit_rows.c ---- */
/* Decides every row of chunk c with worker w into c->out, counting rows, errors and samples.
 * Returns 0, or CAV_ENOMEM. */
int cav__audit_chunk(worker *w, chunk *c);
/* Sets up and releases a worker's buffers, caches and counters. */
int cav__audit_worker_init(cav_audit *a, worker *w);
void cav__audit_worker_free(worker *w);

/* ---- audit_cache.c ---- */
/* Binds field f of q from text s[0, n) through the worker's cache in front of cav_query_set
 * (names and dates), exactly as cav_query_set would. */
int cav__audit_bind(worker *w, cav_query *q, int f, const char *s, size_t n, cav_qerrors *e);
/* The same for a field cav__audit_number_field names (a position or its uncertainty). */
int cav__audit_bind_number(worker *w, cav_query *q, int f, const char *s, size_t n, cav_qerrors *e);
static inline int cav__audit_number_field(int f) {
    return f == CAV_Q_TARGET_LAT || f == CAV_Q_TARGET_LON || f == CAV_Q_LAUNCH_LAT ||
           f == CAV_Q_LAUNCH_LON || f == CAV_Q_TARGET_UNCERTAINTY || f == CAV_Q_LAUNCH_UNCERTAINTY;
}
struct cav_facts; /* lang/pack.h */
/* The cached columns of decision d of q, formatted on first sight; NULL when d cannot be cached
 * (its texts depend on more than the decision and the facts) or out of memory
 * (w->scratch.failed). In three steps, so that a row's other work can be done
 * while the cache's table and then its entry come from memory (neither is in a processor cache
 * on most rows): cav__audit_decision_begin finds the entry's key from (q, d) and q's facts f
 * (cav__eval_facts) and asks for its slot of the table, cav__audit_decision_fetch reads the slot
 * and asks for the entry, and cav__audit_decision (for the same q and d) looks it up. */
void cav__audit_decision_begin(worker *w, const cav_query *q, const struct cav_facts *f,
                               const cav_decision *d);
void cav__audit_decision_fetch(worker *w);
const dec_slot *cav__audit_decision(worker *w, const cav_query *q, const cav_decision *d);
/* Formats the decision-derived column k of (q, d) into out, uncached (raw text). */
int cav__audit_column(worker *w, const cav_query *q, const cav_decision *d, out_kind k,
                      cav_buf *out);
/* Counts d for the summary (parties, rules, month, verdict). */
void cav__audit_count(worker *w, const cav_query *q, const cav_decision *d, const dec_slot *s);
void cav__audit_cache_clear(worker *w);
/* Gives each worker of a a decision cache of n slots in place of AUDIT_DEC_SLOTS: a test empties
 * the cache every n / 2 decisions with it, or with n = 0 formats every row's texts for it alone.
 * Returns 0, or CAV_EINVAL when n is neither 0 nor a power of two of at least 4, or a has run. */
int cav__audit_set_dec_slots(cav_audit *a, uint32_t n);
/* Finds the dates where what an explanation says can change (a->epoch_dates), and the zones the
 * notes' conditions test (a->note_zones, a->note_fields), and the fields each rule's exceptions
 * test (a->exception_fields). 0 or CAV_ENOMEM. */
int cav__audit_epochs(cav_audit *a);

/* ---- coords.c / mgrs.cpp ---- */
/* Degrees from a degrees-minutes-seconds text (50°36'12.5"N, 50d36m12.5sN, N50 36 12.5, 36:35:24E);
 * lat: 1 for a latitude (N/S), 0 for a longitude (E/W). Returns 0, or -1 when it is no DMS text. */
int cav__dms_parse(const char *s, size_t n, int lat, double *deg);
/* Latitude and longitude of the centre of an MGRS square ("37U DB 12345 67890", spaces
 * optional). Returns its precision (digits per axis, 0 to 5: the square's side is 10^(5 - it)
 * metres), or -1 with a message in msg (size bytes); its grid zone (1 to 60, 0 for the polar
 * grids) into *zone unless zone is NULL. */
int cav__mgrs_parse(const char *s, size_t n, double *lat, double *lon, int *zone, char *msg,
                    size_t size);
/* Writes the MGRS reference of (lat, lon) in grid zone `zone` (-1: the point's standard zone)
 * with `digits` digits per axis (1 to 5) into out. Returns 0 or -1. */
int cav__mgrs_format(double lat, double lon, int zone, int digits, char *out, size_t size);

/* ---- audit_summary.c ---- */
int cav__audit_summary_json(const cav_audit *a, cav_buf *out);
int cav__audit_summary_text(const cav_audit *a, cav_buf *out);

#endif
