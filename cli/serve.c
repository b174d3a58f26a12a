/*
 * serve.c - conch serve (not built yet: see the issue that names it).
 */
#include "cli.h"

int cmd_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("serve", "this command is not built yet");
    return EXIT_USAGE;
}
