/*
 * version.c - conch's version, from the one place the build keeps it (the
 * Makefile's VERSION, or `git describe` in a repository), written by the
 * Makefile to version.h. Only this file includes it, so a new version
 * rebuilds one object.
 */
#include "cli.h"
#include "version.h"

const char *cli_version(void)
{
    return CONCH_VERSION;
}
