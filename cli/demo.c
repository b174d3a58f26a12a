/*
 * demo.c - conch demo (not built yet: see the issue that names it).
 */
#include "cli.h"

int cmd_demo(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("demo", "this command is not built yet");
    return EXIT_USAGE;
}
