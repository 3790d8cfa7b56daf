/* main.c — the `caveat` command: finds the command named by argv[1] and runs it. Each command is
 * a cli_cmd in its cmd_<name>.c; `caveat help [COMMAND]`, `caveat --version` and "did you mean"
 * for a misspelt command are answered here. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* The commands, one a line (in `caveat help` order). */
extern const cli_cmd cmd_check;
extern const cli_cmd cmd_can;
extern const cli_cmd cmd_where;
extern const cli_cmd cmd_zones;
extern const cli_cmd cmd_timeline;
extern const cli_cmd cmd_diff;
extern const cli_cmd cmd_sources;
extern const cli_cmd cmd_catalog;
extern const cli_cmd cmd_lint;
extern const cli_cmd cmd_fmt;
extern const cli_cmd cmd_test;
extern const cli_cmd cmd_pack;
extern const cli_cmd cmd_audit;
extern const cli_cmd cmd_sample;
extern const cli_cmd cmd_serve;
extern const cli_cmd cmd_log;

const cli_cmd *const cli_commands[] = {
    &cmd_check,   &cmd_can,     &cmd_where, &cmd_zones, &cmd_timeline, &cmd_diff,
    &cmd_sources, &cmd_catalog, &cmd_lint,  &cmd_fmt,   &cmd_test,     &cmd_audit,
    &cmd_sample,  &cmd_serve,   &cmd_log,   &cmd_pack,
};
const int cli_ncommands = (int)(sizeof cli_commands / sizeof cli_commands[0]);

static void usage(FILE *f) {
    cav_pack *p = NULL;
    cav_pack_load_default(NULL, &p);
    fprintf(f,
            "usage: caveat COMMAND [OPTIONS] [ARGUMENTS]\n\n"
            "caveat checks uses of supplied weapons against the conditions their suppliers set.\n"
            "With no --policy, commands use the default pack embedded in the binary:\n"
            "%s.\n\n"
            "commands:\n",
            p ? cav_pack_title(p) : "(it could not be loaded)");
    cav_pack_release(p);
    for (int i = 0; i < cli_ncommands; i++)
        fprintf(f, "  %-9s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
    fputs("\n'caveat help COMMAND' (or 'caveat COMMAND --help') describes a command;\n"
          "'caveat --version' prints the version and the default pack's id.\n",
          f);
}

static const cli_cmd *find_command(const char *name) {
    for (int i = 0; i < cli_ncommands; i++)
        if (strcmp(name, cli_commands[i]->name) == 0)
            return cli_commands[i];
    return NULL;
}

static int unknown_command(const char *name) {
    const char *names[64];
    for (int i = 0; i < cli_ncommands; i++)
        names[i] = cli_commands[i]->name;
    cav_buf near = {0};
    fprintf(stderr, "caveat: unknown command '%s'", name);
    if (cav_suggest(name, names, (size_t)cli_ncommands, &near) > 0)
        fprintf(stderr, " (did you mean %s?)", near.data);
    fputs("\n", stderr);
    cav_buf_free(&near);
    usage(stderr);
    return CLI_USAGE;
}

/* roff needs a backslash and a leading dot or quote escaped. */
static void roff(FILE *f, const char *s) {
    int bol = 1;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            fputs("\\&", f);
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else
            fputc(*s, f);
        bol = *s == '\n';
    }
}

/* caveat.1, made from the command tables at build time (so the man page is the help). */
static int man_page(void) {
    printf(".TH CAVEAT 1 \"\" \"caveat %s\" \"User Commands\"\n", cav_version());
    puts(".SH NAME\ncaveat \\- check uses of supplied weapons against the conditions their "
         "suppliers set");
    puts(".SH SYNOPSIS\n.B caveat\n.I command\n[\\fIoptions\\fR] [\\fIarguments\\fR]");
    puts(".SH DESCRIPTION\nWith no \\fB\\-\\-policy\\fR, commands use the default pack embedded "
         "in the binary. The semantics of decisions are in docs/semantics.md.");
    puts(".SH COMMANDS");
    for (int i = 0; i < cli_ncommands; i++) {
        const cli_cmd *c = cli_commands[i];
        printf(".SS %s\n.nf\n", c->name);
        roff(stdout, c->usage);
        puts("\n.fi");
        roff(stdout, c->description);
        putchar('\n');
        for (const cli_opt *o = c->opts; o && o->name; o++) {
            printf(".TP\n\\fB\\-\\-%s\\fR", o->name);
            if (o->arg)
                printf(" \\fI%s\\fR", o->arg);
            putchar('\n');
            roff(stdout, o->help);
            if (o->values) {
                fputs(" (", stdout);
                for (int k = 0; o->values[k]; k++)
                    printf("%s%s", k ? ", " : "", o->values[k]);
                fputs(")", stdout);
            }
            putchar('\n');
        }
    }
    puts(".SH EXIT STATUS\n0 done; 1 some input line or row was an error, or a test failed; 2 "
         "usage, policy or I/O error; 3 a decision matched \\fB\\-\\-fail\\-on\\fR.");
    puts(".SH SEE ALSO\ndocs/ of the caveat sources: semantics.md, language.md, audit.md, "
         "serve.md, library.md.");
    return CLI_OK;
}

/* Shell completion from the same tables. */
static int completion(const char *shell) {
    if (shell && strcmp(shell, "bash") == 0) {
        puts("# bash completion for caveat (generated by `caveat help --completion bash`)");
        puts("_caveat() {\n  local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]}");
        fputs("  if [ \"$COMP_CWORD\" -eq 1 ]; then\n    COMPREPLY=($(compgen -W \"", stdout);
        for (int i = 0; i < cli_ncommands; i++)
            printf("%s ", cli_commands[i]->name);
        puts("help --version --help\" -- \"$cur\"))\n    return\n  fi\n  case $cmd in");
        for (int i = 0; i < cli_ncommands; i++) {
            printf("    %s) COMPREPLY=($(compgen -W \"", cli_commands[i]->name);
            for (const cli_opt *o = cli_commands[i]->opts; o && o->name; o++)
                printf("--%s ", o->name);
            puts("--help\" -- \"$cur\") $(compgen -f -- \"$cur\"));;");
        }
        puts("  esac\n}\ncomplete -F _caveat caveat");
        return CLI_OK;
    }
    if (shell && strcmp(shell, "zsh") == 0) {
        puts("#compdef caveat\n# zsh completion for caveat (generated by `caveat help --completion "
             "zsh`)\n_caveat() {\n  local -a commands\n  commands=(");
        for (int i = 0; i < cli_ncommands; i++)
            printf("    '%s:%s'\n", cli_commands[i]->name, cli_commands[i]->summary);
        puts("  )\n  if (( CURRENT == 2 )); then\n    _describe command commands\n    return\n  "
             "fi\n  case $words[2] in");
        for (int i = 0; i < cli_ncommands; i++) {
            printf("    %s) _arguments", cli_commands[i]->name);
            for (const cli_opt *o = cli_commands[i]->opts; o && o->name; o++) {
                printf(" '--%s[", o->name);
                for (const char *h = o->help; *h && h - o->help < 60; h++)
                    putchar(*h == '\'' || *h == '[' || *h == ']' ? ' ' : *h);
                printf("]%s'", o->kind == OPT_FLAG ? "" : ":value:");
            }
            puts(" '*:file:_files';;");
        }
        puts("  esac\n}\n_caveat \"$@\"");
        return CLI_OK;
    }
    fputs("caveat help --completion: bash or zsh\n", stderr);
    return CLI_USAGE;
}

static int version(void) {
    cav_pack *p = NULL;
    printf("caveat %s\n", cav_version());
    if (cav_pack_load_default(NULL, &p) == 0) {
        printf("default pack %s\n", cav_pack_id(p));
        cav_pack_release(p);
    } else {
        puts("default pack: failed to load");
        return CLI_USAGE;
    }
    return CLI_OK;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
        (strcmp(name, "help") == 0 && argc == 2)) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0)
        return version();
    if (strcmp(name, "help") == 0 && strcmp(argv[2], "--man") == 0)
        return man_page();
    if (strcmp(name, "help") == 0 && strcmp(argv[2], "--completion") == 0)
        return completion(argc > 3 ? argv[3] : NULL);
    if (strcmp(name, "help") == 0) {
        const cli_cmd *c = find_command(argv[2]);
        if (!c)
            return unknown_command(argv[2]);
        cli_help(c, stdout);
        return CLI_OK;
    }
    const cli_cmd *c = find_command(name);
    if (!c)
        return unknown_command(name);
    const char **args;
    int nargs, rc = cli_parse(c, argc - 1, argv + 1, &args, &nargs);
    if (rc)
        return rc > 0 ? CLI_OK : CLI_USAGE; /* --help, or a usage error already said */
    rc = c->run(args, nargs);
    /* output that could not be written (a full disk, a closed pipe) is a failure */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("caveat: writing the output");
        return CLI_USAGE;
    }
    return rc;
}
