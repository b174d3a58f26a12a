/*
 * main.c - conch's entry point (cli.c picks the command).
 */
#include "cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
