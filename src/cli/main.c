/* main.c — the `caveat` command: finds the command named by argv[1] and runs it. Each command is
 * a cli_cmd in its cmd_<name>.c; `caveat help [COMMAND]`, `caveat --version` and "did you mean"
 * for a misspelt command are answered here. */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

extern const cli_cmd cmd_check, cmd_can, cmd_where, cmd_timeline, cmd_diff, cmd_sources,
    cmd_catalog, cmd_lint, cmd_test, cmd_serve, cmd_log;

const cli_cmd *const cli_commands[] = {
    &cmd_check,   &cmd_can,  &cmd_where, &cmd_timeline, &cmd_diff, &cmd_sources,
    &cmd_catalog, &cmd_lint, &cmd_test,  &cmd_serve,    &cmd_log,
};
const int cli_ncommands = (int)(sizeof cli_commands / sizeof cli_commands[0]);

static void usage(FILE *f) {
    fprintf(f, "usage: caveat COMMAND [OPTIONS] [ARGUMENTS]\n\n"
               "caveat checks uses of supplied weapons against the conditions their suppliers set.\n"
               "With no --policy, commands use the default pack embedded in the binary (%s).\n\n"
               "commands:\n",
            "the 2024 regime");
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
    int rc = c->run(c, argc - 1, argv + 1);
    /* output that could not be written (a full disk, a closed pipe) is a failure */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("caveat: writing the output");
        return CLI_USAGE;
    }
    return rc;
}
