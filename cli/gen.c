/*
 * gen.c - conch gen: write a synthetic history (for benchmarks and tests).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../histories/gen.h"
#include "cli.h"

static const char usage[] =
    "usage: conch gen [options]\n"
    "\n"
    "Write a synthetic history in conch's JSON Lines: concurrent sessions drive a\n"
    "simulated store whose ops take effect at a random point inside their\n"
    "intervals, so without faults the history is linearizable. Every value written\n"
    "(or appended) is unique.\n"
    "\n"
    "  --ops N          operations (default 1000)\n"
    "  --sessions N     concurrent sessions (default 8)\n"
    "  --keys N         keys (default 1)\n"
    "  --versions       record the store's version with each ok op\n"
    "  --cas            include compare-and-set (a cas-register); default: register\n"
    "  --append         append unique items to a list per key, and read the list (kv)\n"
    "  --stale P        fraction of reads that return an older version (default 0)\n"
    "  --crash P        fraction of ops that complete as info (default 0)\n"
    "  --seed N         random seed (default 1)\n"
    "  -o, --out FILE   write there instead of standard output\n";

int cmd_gen(int argc, char **argv)
{
    enum { O_OPS = 256, O_SESS, O_KEYS, O_VERS, O_CAS, O_APPEND, O_STALE, O_CRASH, O_SEED };
    static const struct option longopts[] = {
        {"ops", required_argument, NULL, O_OPS},
        {"sessions", required_argument, NULL, O_SESS},
        {"keys", required_argument, NULL, O_KEYS},
        {"versions", no_argument, NULL, O_VERS},
        {"cas", no_argument, NULL, O_CAS},
        {"append", no_argument, NULL, O_APPEND},
        {"stale", required_argument, NULL, O_STALE},
        {"crash", required_argument, NULL, O_CRASH},
        {"seed", required_argument, NULL, O_SEED},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    gen_opts o = {.ops = 1000, .sessions = 8, .keys = 1, .seed = 1};
    const char *out = NULL;
    long l;
    double d;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (c) {
        case O_OPS:
            if (!cli_long("gen", "--ops", optarg, 0, 1L << 40, &l))
                return EXIT_USAGE;
            o.ops = (uint64_t)l;
            break;
        case O_SESS:
            if (!cli_long("gen", "--sessions", optarg, 1, 100000, &l))
                return EXIT_USAGE;
            o.sessions = (unsigned)l;
            break;
        case O_KEYS:
            if (!cli_long("gen", "--keys", optarg, 1, 100000000, &l))
                return EXIT_USAGE;
            o.keys = (unsigned)l;
            break;
        case O_VERS: o.versions = true; break;
        case O_CAS: o.cas = true; break;
        case O_APPEND: o.append = true; break;
        case O_STALE:
        case O_CRASH:
            if (!cli_double("gen", c == O_STALE ? "--stale" : "--crash", optarg, 0, &d))
                return EXIT_USAGE;
            if (d > 1) {
                cli_error("gen", "%s is a fraction, from 0 to 1", c == O_STALE ? "--stale" : "--crash");
                return EXIT_USAGE;
            }
            if (c == O_STALE)
                o.stale = d;
            else
                o.crash = d;
            break;
        case O_SEED:
            if (!cli_long("gen", "--seed", optarg, 0, 1L << 62, &l))
                return EXIT_USAGE;
            o.seed = (uint64_t)l;
            break;
        case 'o': out = optarg; break;
        case 'h': fputs(usage, stdout); return 0;
        case ':':
            cli_error("gen", "%s needs a value", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            cli_error("gen", "unknown option '%s' (see conch gen --help)", argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (o.cas && o.append) {
        cli_error("gen", "--cas and --append are different workloads: choose one");
        return EXIT_USAGE;
    }
    if (optind < argc) {
        cli_error("gen", "unexpected argument '%s'", argv[optind]);
        return EXIT_USAGE;
    }
    FILE *f = out ? fopen(out, "w") : stdout;
    if (!f) {
        cli_error("gen", "cannot write %s", out);
        return EXIT_USAGE;
    }
    int rc = gen_history(&o, f);
    if (out && fclose(f))
        rc = -1;
    if (rc) {
        cli_error("gen", "write failed");
        return EXIT_USAGE;
    }
    return 0;
}
