/* opts.c — the one option parser of every command: a table per command (name, letter, kind,
 * slot, help, allowed values) read with getopt_long, so every command accepts the same
 * conventions (--opt=value, --opt value, -x value, bundled short flags, "--" ending the options)
 * and prints the same errors, with "did you mean" for a misspelt option or value. The table is
 * also the command's help, so help and parser cannot disagree.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_OPTS = 64 };

/* Appends v; the list stays NULL-terminated. */
static int list_add(cli_list *l, const char *v) {
    if (l->n + 1 >= l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        const char **g = realloc(l->v, (size_t)cap * sizeof *g);
        if (!g)
            return -1;
        l->v = g;
        l->cap = cap;
    }
    l->v[l->n++] = v;
    l->v[l->n] = NULL;
    return 0;
}

static void print_values(const char *const *values, FILE *f) {
    for (int i = 0; values[i]; i++)
        fprintf(f, "%s%s", i ? ", " : "", values[i]);
}

void cli_help(const cli_cmd *cmd, FILE *f) {
    const cli_opt *opts = cmd->opts;
    fprintf(f, "usage: %s\n\n%s\n", cmd->usage, cmd->description);
    if (!opts || !opts[0].name)
        return;
    fputs("\noptions:\n", f);
    for (const cli_opt *o = opts; o->name; o++) {
        char left[64];
        if (o->letter)
            snprintf(left, sizeof left, "-%c, --%s%s%s", o->letter, o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        else
            snprintf(left, sizeof left, "    --%s%s%s", o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        fprintf(f, "  %-26s %s", left, o->help);
        if (o->values) {
            fputs(" (", f);
            print_values(o->values, f);
            fputs(")", f);
        }
        fputc('\n', f);
    }
    fputs("  -h, --help                 this help\n", f);
}

/* Reports an unknown option with the nearest known ones. */
static void unknown_option(const cli_cmd *cmd, const cli_opt *opts, const char *arg) {
    const char *names[MAX_OPTS + 1];
    size_t n = 0;
    for (const cli_opt *o = opts; o && o->name && n < MAX_OPTS; o++)
        names[n++] = o->name;
    names[n++] = "help";
    const char *name = arg;
    while (*name == '-')
        name++;
    char bare[64];
    snprintf(bare, sizeof bare, "%.*s", (int)strcspn(name, "="), name);
    cav_buf near = {0};
    fprintf(stderr, "caveat %s: unknown option '%s'", cmd->name, arg);
    if (cav_suggest(bare, names, n, &near) > 0)
        fprintf(stderr, " (did you mean --%s?)", near.data);
    fprintf(stderr, "; see caveat help %s\n", cmd->name);
    cav_buf_free(&near);
}

static int check_value(const cli_cmd *cmd, const cli_opt *o, const char *v) {
    if (!o->values)
        return 0;
    for (int i = 0; o->values[i]; i++)
        if (strcmp(o->values[i], v) == 0)
            return 0;
    fprintf(stderr, "caveat %s: --%s must be one of ", cmd->name, o->name);
    print_values(o->values, stderr);
    fprintf(stderr, ", not '%s'", v);
    cav_buf near = {0};
    int count = 0;
    while (o->values[count])
        count++;
    if (cav_suggest(v, o->values, (size_t)count, &near) > 0)
        fprintf(stderr, " (did you mean %s?)", near.data);
    fputc('\n', stderr);
    cav_buf_free(&near);
    return -1;
}

/* 1 when s is a number with a minus sign ("-179.99", "-.5"): an argument, not options. */
static int negative_number(const char *s) {
    if (s[0] != '-' || !(s[1] == '.' || (s[1] >= '0' && s[1] <= '9')))
        return 0;
    char *end;
    (void)strtod(s, &end);
    return *end == '\0';
}

/* 1 when the option element arg ("--name", "-p", "-qp") takes the next element as its value. */
static int takes_next(const cli_opt *opts, const char *arg) {
    if (strncmp(arg, "--", 2) == 0) {
        for (const cli_opt *o = opts; o && o->name; o++)
            if (strcmp(o->name, arg + 2) == 0)
                return o->kind != OPT_FLAG;
        return 0; /* unknown, or "--name=value" */
    }
    for (const char *c = arg + 1; *c; c++)
        for (const cli_opt *o = opts; o && o->name; o++)
            if (o->letter == *c && o->kind != OPT_FLAG)
                return c[1] == '\0'; /* "-pFILE" holds its value */
    return 0;
}

/* A negative number among the arguments (`caveat where -33.87 151.21`) would be read by getopt
 * as options ("-3", "-3", ...). When there is one, argv is rewritten as its options with their
 * values, then "--", then the arguments in their order, which is what getopt's own reordering
 * gives otherwise. Returns argv, or a new vector (kept for the process: the arguments point into
 * it) with *argc updated. */
static char **negatives_as_arguments(const cli_opt *opts, int *argc, char **argv) {
    static char **kept;
    /* each element: 0 an option, 1 an option's value, 2 an argument */
    unsigned char *role = calloc((size_t)*argc + 1, 1);
    int found = 0;
    if (!role)
        return argv;
    for (int i = 1, rest = 0; i < *argc; i++) {
        if (!rest && strcmp(argv[i], "--") == 0) {
            rest = 1;
            role[i] = 0;
        } else if (rest || argv[i][0] != '-' || !argv[i][1] || negative_number(argv[i])) {
            role[i] = 2;
            found |= !rest && negative_number(argv[i]);
        } else if (takes_next(opts, argv[i]) && i + 1 < *argc) {
            role[i + 1] = 1;
            i++;
        }
    }
    if (found && (kept = malloc(((size_t)*argc + 2) * sizeof *kept)) != NULL) {
        int n = 0;
        kept[n++] = argv[0];
        for (int i = 1; i < *argc; i++)
            if (role[i] != 2 && strcmp(argv[i], "--") != 0)
                kept[n++] = argv[i];
        kept[n++] = "--";
        for (int i = 1; i < *argc; i++)
            if (role[i] == 2)
                kept[n++] = argv[i];
        kept[n] = NULL;
        *argc = n;
        argv = kept;
    }
    free(role);
    return argv;
}

int cli_parse(const cli_cmd *cmd, int argc, char **argv, const char ***args, int *nargs) {
    const cli_opt *opts = cmd->opts;
    argv = negatives_as_arguments(opts, &argc, argv);
    struct option longs[MAX_OPTS + 2];
    char shorts[2 * MAX_OPTS + 4] = ":h";
    size_t ns = strlen(shorts);
    int n = 0;
    for (const cli_opt *o = opts; o && o->name && n < MAX_OPTS; o++, n++) {
        longs[n] = (struct option){o->name, o->kind == OPT_FLAG ? no_argument : required_argument,
                                   NULL, 256 + n};
        if (o->letter) {
            shorts[ns++] = o->letter;
            if (o->kind != OPT_FLAG)
                shorts[ns++] = ':';
        }
    }
    shorts[ns] = '\0';
    longs[n] = (struct option){"help", no_argument, NULL, 'h'};
    longs[n + 1] = (struct option){NULL, 0, NULL, 0};
    optind = 0; /* GNU getopt: start afresh */
    opterr = 0;
    int c, longindex = -1;
    while ((c = getopt_long(argc, argv, shorts, longs, &longindex)) != -1) {
        if (c == 'h') {
            cli_help(cmd, stdout);
            return 1;
        }
        if (c == '?') {
            if (optopt && optopt < 256)
                fprintf(stderr, "caveat %s: unknown option '-%c'; see caveat help %s\n", cmd->name,
                        optopt, cmd->name);
            else
                unknown_option(cmd, opts, argv[optind - 1]);
            return -1;
        }
        if (c == ':') {
            fprintf(stderr, "caveat %s: %s needs a value\n", cmd->name, argv[optind - 1]);
            return -1;
        }
        const cli_opt *o = NULL;
        if (c >= 256)
            o = &opts[c - 256];
        else
            for (const cli_opt *x = opts; x && x->name; x++)
                if (x->letter == c)
                    o = x;
        if (!o)
            return -1;
        if (o->kind == OPT_FLAG) {
            *(int *)o->slot = 1;
        } else if (check_value(cmd, o, optarg) != 0) {
            return -1;
        } else if (o->kind == OPT_STRING) {
            *(const char **)o->slot = optarg;
        } else if (list_add(o->slot, optarg) != 0) {
            fprintf(stderr, "caveat %s: out of memory\n", cmd->name);
            return -1;
        }
    }
    *args = (const char **)(argv + optind);
    *nargs = argc - optind;
    if (*nargs < cmd->min_args || (cmd->max_args >= 0 && *nargs > cmd->max_args)) {
        if (*nargs > cmd->max_args && cmd->max_args >= 0 && *nargs > 0 && argv[optind][0] == '-')
            fprintf(stderr, "caveat %s: options come before the arguments: '%s'\n", cmd->name,
                    argv[optind]);
        else if (cmd->max_args == 0)
            fprintf(stderr, "caveat %s: takes no arguments (got '%s')\n", cmd->name, argv[optind]);
        else
            fprintf(stderr, "caveat %s: wrong number of arguments\n", cmd->name);
        fprintf(stderr, "usage: %s\n", cmd->usage);
        return -1;
    }
    return 0;
}

int cli_format(const char *given, const char *const *allowed, int dflt, const char *who) {
    if (!given)
        return dflt;
    int f = cav_format_find(given);
    for (int i = 0; f >= 0 && allowed[i]; i++)
        if (strcmp(allowed[i], given) == 0)
            return f;
    fprintf(stderr, "%s: --format must be one of ", who);
    print_values(allowed, stderr);
    fprintf(stderr, ", not '%s'\n", given);
    return -1;
}
