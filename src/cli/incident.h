/* incident.h - keikai's incident commands: report add, stats incidents */
#ifndef KEIKAI_CLI_INCIDENT_H
#define KEIKAI_CLI_INCIDENT_H

/* argv[0] is "report" / "stats"; db is the database path. Exit codes: 0, 1 failure, 2 usage,
 * 75 (EX_TEMPFAIL) when the store is busy. */
int cli_report(const char *db, int argc, char **argv);
int cli_stats(const char *db, int argc, char **argv);

#endif
