/*
 * run.c - conch run (not built yet: see the issue that names it).
 */
#include "cli.h"

int cmd_run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("run", "this command is not built yet");
    return EXIT_USAGE;
}
