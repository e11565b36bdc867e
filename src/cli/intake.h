/* intake.h - keikai's mail commands (docs/intake.md, keikai(8))
 *
 *   keikai intake mail [-d DB | -c keikaid.ini] [--max-bytes N] [--busy-timeout S]
 *       one message on stdin (an MTA's pipe): exit 0 after the commit (a duplicate too),
 *       65 (EX_DATAERR) for a permanent reject, 75 (EX_TEMPFAIL) when it cannot commit now
 *   keikai import mail [-d DB | -c keikaid.ini] [--batch N] [--no-index] PATH...
 *       every mail of a Maildir (new/ and cur/) or an mbox file (mboxrd), committed in batches,
 *       then the search index brought up to date (not with --no-index)
 *   keikai reindex [-d DB | -c keikaid.ini] [--full]
 *       index the reports not indexed yet (--full: empty the index and index every report)
 */
#ifndef KEIKAI_CLI_INTAKE_H
#define KEIKAI_CLI_INTAKE_H

/* sysexits.h's values, which MTAs act on */
#define CLI_EX_DATAERR	65
#define CLI_EX_TEMPFAIL 75

/* argv[0] is "intake"; db_path is the global -d (may be overridden by the command's own). */
int cli_intake(int argc, char **argv, const char *db_path);

/* argv[0] is "import", argv[1] "mail". Returns 0, 1 on a failure (what was committed stays). */
int cli_import_mail(int argc, char **argv, const char *db_path);

/* argv[0] is "reindex". Returns 0, 1 on a failure, 2 on a usage error. */
int cli_reindex(int argc, char **argv, const char *db_path);

#endif
