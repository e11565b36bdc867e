/* history-sources.h - source address space by country, for keikai-history
 *
 * The prefixes below were taken from the libloc database shipped in Debian 12 (packages
 * `location` 0.9.16 and `libloc-database` 0~20221029) with
 *   location list-networks-by-cc CC --family ipv4|ipv6
 * and each was checked with `location lookup` on 400 random addresses, so that every address inside
 * maps to the country named beside it (tests/integration/test-history.sh checks that again against
 * the installed database). Weights set how often a country's space is the source of background
 * traffic; they are rough shares of darknet sources, not measurements.
 */
#ifndef KEIKAI_HISTORY_SOURCES_H
#define KEIKAI_HISTORY_SOURCES_H

#include <stdint.h>

struct hist_prefix {
	const char *cc;	  /* ISO 3166-1 alpha-2 */
	const char *text; /* the prefix as libloc lists it */
	unsigned weight;  /* relative share of background sources */
};

static const struct hist_prefix hist_prefixes[] = {
    {"CN", "1.48.0.0/15", 9},
    {"CN", "8.140.0.0/14", 8},
    {"CN", "1.117.192.0/18", 5},
    {"CN", "2400:34c0::/32", 1},
    {"US", "4.224.0.0/12", 10},
    {"US", "3.5.0.0/20", 6},
    {"US", "2001:1840::/32", 1},
    {"RU", "2.60.0.0/18", 4},
    {"RU", "5.8.192.0/19", 4},
    {"RU", "2a00:189c::/32", 1},
    {"NL", "31.192.112.0/20", 4},
    {"NL", "46.166.176.0/20", 3},
    {"NL", "2001:4de0::/32", 1},
    {"BR", "18.228.0.0/16", 3},
    {"BR", "143.54.0.0/16", 3},
    {"IN", "1.38.0.0/15", 3},
    {"IN", "27.56.32.0/19", 3},
    {"KR", "14.6.0.0/15", 3},
    {"KR", "36.39.16.0/20", 2},
    {"TW", "1.35.0.0/16", 3},
    {"TW", "39.1.128.0/18", 2},
    {"VN", "1.52.64.0/18", 3},
    {"VN", "14.161.32.0/20", 2},
    {"DE", "5.230.0.0/15", 3},
    {"DE", "31.212.0.0/15", 2},
    {"DE", "2001:14f6::/32", 1},
    {"HK", "42.2.96.0/19", 3},
    {"SG", "42.61.0.0/16", 3},
    {"GB", "2.22.128.0/20", 3},
    {"ID", "36.79.32.0/19", 3},
    {"JP", "27.88.0.0/16", 2},
    {"JP", "1.76.160.0/19", 1},
    {"JP", "2001:d90::/32", 1},
    {"MM", "37.111.0.0/17", 0},
    {"MM", "45.41.96.0/19", 0},
    {"MM", "69.160.0.0/19", 0},
    {"MM", "61.4.64.0/20", 0},
    {"MM", "65.18.112.0/20", 0},
    {"MM", "2400:6fa0::/32", 0},
    /* a Japanese hosting network (AS7684 SAKURA internet): the planted DoS victim lives here */
    {"JP", "153.120.0.0/17", 0},
};

#define HIST_N_PREFIXES (sizeof(hist_prefixes) / sizeof(hist_prefixes[0]))
#define HIST_SURGE_CC	"MM"
#define HIST_VICTIM	"153.120.23.45"

#endif
