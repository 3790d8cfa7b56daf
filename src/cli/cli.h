/* cli.h — the pieces shared by the `caveat` command line: one table-driven option parser for every
 * command, pack loading with diagnostics on stderr, and the one atomic writer of output files.
 *
 * The command line is a front end: it includes only the public header, and every capability it
 * offers is a call into libcaveat (docs/library.md). A command is a cli_cmd (its name, usage,
 * description and option table) and a run function; main.c dispatches to it.
 */
#ifndef CAV_CLI_H
#define CAV_CLI_H

#include "caveat.h"

#include <limits.h>
#include <stdio.h>
#include <sys/types.h>

/* Exit statuses shared by every command (docs/semantics.md, "Exit statuses"). */
enum {
    CLI_OK = 0,           /* done; every input evaluated */
    CLI_INPUT_ERRORS = 1, /* some input line or row was an error (the run went on) */
    CLI_USAGE = 2,        /* usage, policy or I/O error: nothing or not everything was done */
    CLI_FAIL_ON = 3       /* --fail-on: a decision matched */
};

/* ---- options ---- */

typedef enum cli_opt_kind {
    OPT_FLAG,   /* int *: set to 1 */
    OPT_STRING, /* const char **: the last value given wins, unless `once` */
    OPT_LIST    /* cli_list *: every value, in order */
} cli_opt_kind;

typedef struct cli_list {
    const char **v;
    int n, cap;
} cli_list;

typedef struct cli_opt {
    const char *name; /* long name without "--" */
    char letter;      /* short option, or 0 */
    cli_opt_kind kind;
    void *slot;
    const char *arg;           /* "FILE" in the help, NULL for flags */
    const char *help;          /* one line; "VALUES:" lists are appended from `values` */
    const char *const *values; /* the allowed values (checked), or NULL */
} cli_opt;

typedef struct cli_cmd {
    const char *name;
    const char *usage;       /* "caveat check [OPTIONS] [FILE|-]" lines */
    const char *summary;     /* one line for `caveat help` */
    const char *description; /* paragraphs after the usage */
    int min_args, max_args;  /* positional arguments (-1: any number) */
    const cli_opt *opts;     /* its options (static slots), ending with a NULL name */
    int (*run)(const char **args, int nargs); /* after main has parsed the options */
} cli_cmd;

/* The --allow-path option: directories geojson() may read from besides the policy files' own
 * (cav_load_opts.allow_paths); every command that loads a pack has it, and cli_load_pack uses it.
 */
extern cli_list cli_allow_paths;
#define CLI_ALLOW_OPT                                                                              \
    {                                                                                              \
        "allow-path", 0, OPT_LIST, &cli_allow_paths, "DIR",                                        \
            "let geojson() zones read files under DIR too (repeatable; by default only under the " \
            "directory of the policy file that names them)",                                       \
            NULL                                                                                   \
    }
/* The --policy option of every command that reads a pack, with --allow-path. */
#define CLI_POLICY_OPT(list)                                                                       \
    {"policy",                                                                                     \
     'p',                                                                                          \
     OPT_LIST,                                                                                     \
     &(list),                                                                                      \
     "P",                                                                                          \
     "load the pack from P, a file or directory (repeatable; @default is the embedded pack, so "   \
     "your files can add to it); default: the embedded pack",                                      \
     NULL},                                                                                        \
        CLI_ALLOW_OPT
#define CLI_END_OPTS                                                                               \
    { NULL, 0, 0, NULL, NULL, NULL, NULL }

/* Prints out's text to stdout (or the failure) and frees it; returns rc, or CLI_USAGE when out
 * could not be written. */
int cli_emit(cav_buf *out, int err, const char *who);
/* Resolves a name in catalog c for an option: the id, or -1 after printing the error with the
 * nearest names. */
int cli_name(const cav_pack *p, cav_catalog c, const char *name, const char *who, const char *opt);
/* Reads a date or timestamp for an option (in the pack's time zone); 0 or -1 after printing. */
int cli_date(const cav_pack *p, const char *text, int32_t *day, const char *who, const char *opt);

/* Parses argv (argv[0] is the command's name) against the command's options and --help. Accepts
 * --opt=value,
 * --opt value, -x value, bundled short flags and "--". Positional arguments are returned in
 * *args / *nargs (pointing into argv). Returns 0, 1 when --help was printed, or -1 after printing
 * the error (with did-you-mean for a misspelt option). */
int cli_parse(const cli_cmd *cmd, int argc, char **argv, const char ***args, int *nargs);
/* Prints the command's help: usage, description and the option table. */
void cli_help(const cli_cmd *cmd, FILE *f);
/* The commands, for `caveat help` and completion (main.c). */
extern const cli_cmd *const cli_commands[];
extern const int cli_ncommands;

/* ---- maps (cmd_zones.c): the options every map command takes ---- */

extern const char *cli_map_title, *cli_map_bbox, *cli_map_zoom, *cli_map_width, *cli_map_height;
#define CLI_MAP_OPTS                                                                               \
    {"title",    0,                                                                                \
     OPT_STRING, &cli_map_title,                                                                   \
     "TEXT",     "the map's title (default: the use in words, from catalog titles)",               \
     NULL},                                                                                        \
        {"bbox",     0,                                                                            \
         OPT_STRING, &cli_map_bbox,                                                                \
         "S,W,N,E",  "frame the map to latitudes S to N and longitudes W to E (degrees)",          \
         NULL},                                                                                    \
        {"zoom-to",  0,                                                                            \
         OPT_STRING, &cli_map_zoom,                                                                \
         "ZONE",     "frame the map to a zone, country or region (kharkiv-border, UA, RU-BEL)",    \
         NULL},                                                                                    \
        {"width",    0,                                                                            \
         OPT_STRING, &cli_map_width,                                                               \
         "N",        "PNG width in pixels, PDF width in points (default 1600)",                    \
         NULL},                                                                                    \
    {                                                                                              \
        "height", 0, OPT_STRING, &cli_map_height, "N",                                             \
            "the largest PNG/PDF height (default: what the width gives)", NULL                     \
    }
/* Reads the map options into o (zones and nzones untouched). 0, or -1 after printing. */
int cli_map_opts(const cav_pack *p, cav_map_opts *o, const char *who);
/* The map format of --format and -o's extension (.svg, .png, .pdf, else GeoJSON); -1 after
 * printing an error. */
int cli_map_format(const char *format, const char *out, const char *who);

/* ---- packs and diagnostics ---- */

/* Loads the pack from the --policy paths ("@default" names the embedded pack), or the embedded
 * default when there are none, with the --allow-path directories. Prints every error to stderr;
 * NULL on failure. The list is remembered for the rest of the run (it must outlive it): no output
 * file may replace one of its policy files (cli_out_open). */
cav_pack *cli_load_pack(const cli_list *policies);
/* The load options of the command line (--allow-path). */
cav_load_opts cli_load_opts(void);
/* Prints the diagnostics of d to f as text. */
void cli_print_diags(const cav_diags *d, FILE *f, int show_warnings);

/* ---- input and output ---- */

/* Reads a whole file (or stdin for NULL or "-") into *data / *len. 0, or -1 after printing the
 * error. The caller frees *data. */
int cli_read_file(const char *path, char **data, size_t *len, const char *who);
/* Output files through the library (cav_outfile_*, docs/robustness.md "Output files"): stdout
 * for NULL or "-"; never one of `inputs` (NULL-terminated, may be NULL) or a policy file of the
 * loaded pack. Each returns 0, or -1 after printing "WHO: OPT PATH: why". */
typedef struct cli_out {
    cav_outfile *f;
    const char *who, *opt, *path;
} cli_out;
int cli_out_open(cli_out *o, const char *path, const char *who, const char *opt,
                 const char *const *inputs);
int cli_out_write(cli_out *o, const char *data, size_t len);
int cli_out_commit(cli_out *o);
void cli_out_abort(cli_out *o);
int cli_write_output(const char *path, const char *data, size_t len, const char *who,
                     const char *opt, const char *const *inputs);

/* Draws the map of `caveat diff --format geojson|svg` (cmd_zones.c). */
int cli_diff_map(const cav_pack *p, int32_t d1, int32_t d2, const char *fmt, const char *weapon,
                 const char *party, const char *kind, const char *state, const char *role,
                 const char *purpose, const char *out);

/* The format named by --format among `allowed` (NULL-terminated names), else the default; -1
 * after printing an error. */
int cli_format(const char *given, const char *const *allowed, int dflt, const char *who);

#endif
