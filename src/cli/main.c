/* keikai - command-line administration and batch work beside keikaid
 *
 *   keikai [-d DB] org add NAME
 *   keikai [-d DB] sensor add NAME --org ORG [--region CC] [--location TEXT] [--prefix P]...
 *   keikai [-d DB] sensor token|enable|disable NAME
 *   keikai [-d DB] sensor list
 *   keikai [-d DB] token add NAME --role admin|reader
 *   keikai [-d DB] token remove NAME
 *   keikai [-d DB] user add NAME --role analyst|handler|admin [--lang en|ja] [--display TEXT]
 *                       [--generate]
 *   keikai [-d DB] user passwd NAME [--generate]
 *   keikai [-d DB] user disable|enable NAME
 *   keikai [-d DB] user list
 *   keikai [-d DB] import [--create-sensors ORG] FILE...   (interval records, JSON lines)
 *   keikai [-d DB] rollup
 *   keikai [-d DB] contact import FILE | contact export   (organisations, JSON lines)
 *   keikai [-d DB] intake mail [-c keikaid.ini] ...          (one mail on stdin: intake.h)
 *   keikai [-d DB] import mail [-c keikaid.ini] [--batch N] [--no-index] MAILDIR|MBOX...
 *   keikai [-d DB] reindex [-c keikaid.ini] [--full]
 *
 * docs/keikai.md and keikai(8) describe every command.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../incident/contact.h"
#include "../lib/account.h"
#include "../lib/auth.h"
#include "../lib/db.h"
#include "../lib/geo.h"
#include "../lib/i18n.h"
#include "../lib/token.h"
#include "../obs/range.h"
#include "../obs/record.h"
#include "../obs/store.h"
#include "../obs/tag.h"
#include "incident.h"
#include "intake.h"
#include "keikai-config.h"

#include "../lib/banned.h"

static const char *db_path = "keikai.db";

static void usage(FILE *f)
{
	(void)fprintf(
	    f, "%s",
	    T("Usage: keikai [-d DB] [--lang en|ja] COMMAND ...\n"
	      "  org add NAME\n"
	      "  sensor add NAME --org ORG [--region CC] [--location TEXT] [--prefix P]...\n"
	      "  sensor token NAME | sensor enable NAME | sensor disable NAME | sensor list\n"
	      "  token add NAME --role admin|handler|reader | token remove NAME\n"
	      "  user add NAME --role analyst|handler|admin [--lang en|ja] [--display TEXT]\n"
	      "           [--generate]\n"
	      "  user passwd NAME [--generate] | user disable NAME | user enable NAME | user list\n"
	      "  import [--create-sensors ORG] [--tz +09:00] FILE...  (JSON lines; - = stdin)\n"
	      "  rollup [--tz +09:00]\n"
	      "  report add --channel fax|phone [--subject TEXT] [--reporter NAME] < TEXT\n"
	      "  stats incidents --quarter 2025Q3\n"
	      "  contact import FILE | contact export  (organisations, JSON lines; - = stdin)\n"
	      "  intake mail [-d DB | -c keikaid.ini] < MESSAGE   (MTA pipe: exit 0, 65 or 75)\n"
	      "  import mail [--batch N] [--no-index] MAILDIR|MBOX...\n"
	      "  reindex [--full]   (the report search index: what is not indexed yet, or all)\n"
	      "Tokens are printed once; only their hashes are kept. A user's password is read\n"
	      "from standard input (not echoed on a terminal), or made and printed with "
	      "--generate.\n",
	      "使い方: keikai [-d DB] [--lang en|ja] コマンド ...\n"
	      "  org add 名前\n"
	      "  sensor add 名前 --org 組織 [--region 国コード] [--location 説明] [--prefix P]...\n"
	      "  sensor token 名前 | sensor enable 名前 | sensor disable 名前 | sensor list\n"
	      "  token add 名前 --role admin|handler|reader | token remove 名前\n"
	      "  user add 名前 --role analyst|handler|admin [--lang en|ja] [--display 表示名]\n"
	      "           [--generate]\n"
	      "  user passwd 名前 [--generate] | user disable 名前 | user enable 名前 | user list\n"
	      "  import [--create-sensors 組織] [--tz +09:00] ファイル...  (JSON lines、- "
	      "は標準入力)\n"
	      "  rollup [--tz +09:00]\n"
	      "  report add --channel fax|phone [--subject 件名] [--reporter 報告者] < 本文\n"
	      "  stats incidents --quarter 2025Q3\n"
	      "  contact import ファイル | contact export  (組織、JSON lines、- は標準入力)\n"
	      "  intake mail [-d DB | -c keikaid.ini] < メッセージ   (MTA のパイプ: 終了コード 0, "
	      "65, 75)\n"
	      "  import mail [--batch 件数] [--no-index] Maildir|mbox...\n"
	      "  reindex [--full]   (報告の検索索引: 未索引の報告、または全部)\n"
	      "トークンは一度だけ表示されます。保存されるのはハッシュだけです。ユーザの\n"
	      "パスワードは標準入力から読みます (端末では表示しません)。--generate を付けると\n"
	      "作って表示します。\n"));
}

static struct obs_store *open_store(void)
{
	char err[512];
	struct obs_store *s = obs_store_open(db_path, err, sizeof err);
	if (!s)
		(void)fprintf(stderr,
			      T("keikai: database %s: %s\n", "keikai: データベース %s: %s\n"),
			      db_path, err);
	return s;
}

static int report(struct obs_store *s, int r, const char *what)
{
	if (r == 0)
		return 0;
	(void)fprintf(stderr, "keikai: %s: %s\n", what, s->ops->errmsg(s));
	return 1;
}

static int cmd_org(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "add") != 0) {
		usage(stderr);
		return 2;
	}
	struct obs_store *s = open_store();
	if (!s)
		return 1;
	int rc = report(s, s->ops->org_add(s, argv[2]), argv[2]);
	if (rc == 0)
		(void)printf(T("organisation %s added\n", "組織 %s を追加しました\n"), argv[2]);
	obs_store_close(s);
	return rc;
}

/* Add the sensors of a TSV manifest (name, org, region, location, prefixes; organisations
 * made as needed) in one transaction; print "name<TAB>token" for each. */
static int sensor_import(struct obs_store *s, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	if (!f) {
		(void)fprintf(stderr, "keikai: %s: %m\n", path);
		return 1;
	}
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;
	int rc = s->ops->begin(s) == 0 ? 0 : report(s, -1, "begin");
	while (rc == 0 && getline(&line, &cap, f) > 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		char *fld[5] = {NULL};
		char *p = line;
		for (int i = 0; i < 5 && p; i++) {
			fld[i] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = 0;
		}
		if (!fld[1]) {
			(void)fprintf(stderr,
				      T("keikai: %s:%lu: need name and organisation\n",
					"keikai: %s:%lu: 名前と組織が必要です\n"),
				      path, lineno);
			rc = 1;
			break;
		}
		int64_t oid;
		if (s->ops->org_id(s, fld[1], &oid) == 1 && s->ops->org_add(s, fld[1]) != 0) {
			rc = report(s, -1, fld[1]);
			break;
		}
		char tok[TOKEN_LEN + 1];
		uint8_t h[TOKEN_HASH_LEN];
		token_new(tok, sizeof tok);
		token_hash(tok, strlen(tok), h);
		if (s->ops->sensor_add(s, fld[0], fld[1], fld[2] ? fld[2] : "",
				       fld[3] ? fld[3] : "", fld[4] ? fld[4] : "", h) != 0) {
			rc = report(s, -1, fld[0]);
			break;
		}
		(void)printf("%s\t%s\n", fld[0], tok);
	}
	if (rc == 0 && s->ops->commit(s) != 0)
		rc = report(s, -1, "commit");
	if (rc != 0)
		s->ops->rollback(s);
	free(line);
	if (f != stdin)
		(void)fclose(f);
	return rc;
}

static int cmd_sensor(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	struct obs_store *s = open_store();
	if (!s)
		return 1;
	int rc = 0;
	char tok[TOKEN_LEN + 1];
	uint8_t h[TOKEN_HASH_LEN];
	if (strcmp(argv[1], "list") == 0 && argc == 2) {
		struct obs_sensor_info *v;
		size_t n;
		rc = report(s, s->ops->sensors(s, (int64_t)time(NULL), &v, &n), "list");
		for (size_t i = 0; rc == 0 && i < n; i++)
			(void)printf("%s\t%s\t%s\t%s\t%s\t%s\n", v[i].name, v[i].org, v[i].region,
				     v[i].location, v[i].prefixes,
				     v[i].enabled ? "enabled" : "disabled");
		if (rc == 0)
			free(v);
	} else if (strcmp(argv[1], "add") == 0 && argc >= 3) {
		const char *name = argv[2], *org = NULL, *region = "", *loc = "";
		char prefixes[512] = "";
		for (int i = 3; i < argc; i += 2) {
			if (i + 1 >= argc) {
				usage(stderr);
				obs_store_close(s);
				return 2;
			}
			const char *v = argv[i + 1];
			if (strcmp(argv[i], "--org") == 0)
				org = v;
			else if (strcmp(argv[i], "--region") == 0)
				region = v;
			else if (strcmp(argv[i], "--location") == 0)
				loc = v;
			else if (strcmp(argv[i], "--prefix") == 0) {
				struct ip_prefix p;
				size_t l = strlen(prefixes);
				if (ip_prefix_parse(v, &p) != 0 ||
				    l + strlen(v) + 2 > sizeof prefixes) {
					(void)fprintf(stderr,
						      T("keikai: bad prefix %s\n",
							"keikai: プレフィックス %s が不正です\n"),
						      v);
					obs_store_close(s);
					return 2;
				}
				if (l)
					prefixes[l++] = ',';
				memcpy(prefixes + l, v, strlen(v) + 1);
			} else {
				usage(stderr);
				obs_store_close(s);
				return 2;
			}
		}
		if (!org) {
			usage(stderr);
			obs_store_close(s);
			return 2;
		}
		token_new(tok, sizeof tok);
		token_hash(tok, strlen(tok), h);
		rc = report(s, s->ops->sensor_add(s, name, org, region, loc, prefixes, h), name);
		if (rc == 0)
			(void)printf("%s\n", tok);
	} else if (strcmp(argv[1], "import") == 0 && argc == 3) {
		rc = sensor_import(s, argv[2]);
	} else if (strcmp(argv[1], "token") == 0 && argc == 3) {
		token_new(tok, sizeof tok);
		token_hash(tok, strlen(tok), h);
		rc = report(s, s->ops->sensor_set_token(s, argv[2], h), argv[2]);
		if (rc == 0)
			(void)printf("%s\n", tok);
	} else if ((strcmp(argv[1], "enable") == 0 || strcmp(argv[1], "disable") == 0) &&
		   argc == 3) {
		rc = report(s, s->ops->sensor_enable(s, argv[2], argv[1][0] == 'e'), argv[2]);
	} else {
		usage(stderr);
		rc = 2;
	}
	obs_store_close(s);
	return rc;
}

static int cmd_token(int argc, char **argv)
{
	char err[512];
	sqlite3 *db;
	if (argc < 3) {
		usage(stderr);
		return 2;
	}
	if (db_open(db_path, &db, err, sizeof err) != 0 || auth_migrate(db, err, sizeof err) != 0) {
		(void)fprintf(stderr, "keikai: %s: %s\n", db_path, err);
		return 1;
	}
	int rc = 0;
	if (strcmp(argv[1], "add") == 0 && argc == 5 && strcmp(argv[3], "--role") == 0) {
		enum http_role role;
		if (auth_role_parse(argv[4], &role) != 0) {
			usage(stderr);
			rc = 2;
		} else {
			char tok[TOKEN_LEN + 1];
			uint8_t h[TOKEN_HASH_LEN];
			token_new(tok, sizeof tok);
			token_hash(tok, strlen(tok), h);
			int r = auth_token_add(db, argv[2], role, h, err, sizeof err);
			if (r != 0) {
				(void)fprintf(stderr, "keikai: %s: %s\n", argv[2], err);
				rc = 1;
			} else {
				(void)printf("%s\n", tok);
			}
		}
	} else if (strcmp(argv[1], "remove") == 0 && argc == 3) {
		int r = auth_token_remove(db, argv[2], err, sizeof err);
		if (r != 0) {
			(void)fprintf(stderr, "keikai: %s: %s\n", argv[2],
				      r > 0 ? T("no such token", "そのトークンはありません") : err);
			rc = 1;
		}
	} else {
		usage(stderr);
		rc = 2;
	}
	sqlite3_close(db);
	return rc;
}

/* Read one line of password from standard input into buf; on a terminal without echo, asking
 * twice. 0, or 1 with a message printed. */
static int read_password(char *buf, size_t size)
{
	bool tty = isatty(STDIN_FILENO) == 1;
	struct termios old, quiet;
	char again[ACCOUNT_PASSWORD_MAX + 2];
	int rc = 1;
	if (tty) {
		if (tcgetattr(STDIN_FILENO, &old) != 0)
			return 1;
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
			return 1;
		(void)fprintf(stderr, "%s", T("Password: ", "パスワード: "));
	}
	if (!fgets(buf, (int)size, stdin))
		goto out;
	buf[strcspn(buf, "\r\n")] = 0;
	if (tty) {
		(void)fprintf(stderr, "\n%s", T("Again: ", "もう一度: "));
		if (!fgets(again, sizeof again, stdin))
			goto out;
		again[strcspn(again, "\r\n")] = 0;
		if (strcmp(buf, again) != 0) {
			(void)fprintf(stderr, "\n%s",
				      T("keikai: the passwords differ\n",
					"keikai: パスワードが一致しません\n"));
			goto out;
		}
		(void)fprintf(stderr, "\n");
	}
	rc = 0;
out:
	sodium_memzero(again, sizeof again);
	if (tty)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	if (rc != 0)
		(void)fprintf(stderr, "%s",
			      T("keikai: no password given\n", "keikai: パスワードがありません\n"));
	return rc;
}

/* The password for user add and passwd: made and printed with --generate, else read. */
static int get_password(bool generate, char *buf, size_t size)
{
	if (generate) {
		uint8_t raw[18];
		randombytes_buf(raw, sizeof raw);
		sodium_bin2base64(buf, size, raw, sizeof raw,
				  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		sodium_memzero(raw, sizeof raw);
		(void)printf("%s\n", buf);
		return 0;
	}
	return read_password(buf, size);
}

static int user_error(const char *name, int r)
{
	const char *why =
	    r == -EEXIST ? T("a user of this name exists", "この名前のユーザは既にあります")
	    : r == 1	   ? T("no such user", "そのユーザはありません")
	    : r == -EBUSY  ? T("the last active administrator cannot be disabled or lose the role; "
				"make another user an administrator first",
			       "有効な管理者はこのユーザだけなので、無効にすることも権限を下げる"
				"こともできません。先に別のユーザを管理者にしてください")
	    : r == -EINVAL ? T("bad value (name: letters, digits, '.', '_', '-'; "
			       "password: 10 to 1024 bytes; lang: en or ja)",
			       "値が不正です (名前は英数字と '.'、'_'、'-'、パスワードは "
			       "10 から 1024 バイト、lang は en か ja)")
			   : T("database error", "データベースのエラー");
	(void)fprintf(stderr, "keikai: %s: %s\n", name, why);
	return 1;
}

static int cmd_user(int argc, char **argv)
{
	char err[512], pw[ACCOUNT_PASSWORD_MAX + 2] = "";
	sqlite3 *db = NULL;
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *name = argc >= 3 ? argv[2] : NULL, *lang = "en", *display = "";
	enum http_role role = HTTP_ANON;
	bool generate = false;
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--generate") == 0) {
			generate = true;
		} else if (i + 1 < argc && strcmp(argv[i], "--role") == 0) {
			if (account_role_parse(argv[++i], &role) != 0) {
				usage(stderr);
				return 2;
			}
		} else if (i + 1 < argc && strcmp(argv[i], "--lang") == 0) {
			lang = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--display") == 0) {
			display = argv[++i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (db_open(db_path, &db, err, sizeof err) != 0 ||
	    account_migrate(db, err, sizeof err) != 0) {
		(void)fprintf(stderr, "keikai: %s: %s\n", db_path, err);
		sqlite3_close(db);
		return 1;
	}
	int rc = 0, r;
	int64_t now = (int64_t)time(NULL);
	if (strcmp(argv[1], "list") == 0 && argc == 2) {
		struct account_user *v;
		size_t n;
		if (account_user_list(db, &v, &n) != 0) {
			rc = user_error("list", -1);
		} else {
			for (size_t i = 0; i < n; i++)
				(void)printf("%s\t%s\t%s\t%s\t%s\n", v[i].name,
					     account_role_name(v[i].role), v[i].lang,
					     v[i].disabled ? "disabled" : "enabled", v[i].display);
			free(v);
		}
	} else if (strcmp(argv[1], "add") == 0 && name && role != HTTP_ANON) {
		struct account_user u;
		if (!account_name_valid(name))
			rc = user_error(name, -EINVAL);
		else if ((r = account_user_get(db, name, &u)) != 1)
			rc = user_error(name, r == 0 ? -EEXIST : -1);
		else
			rc = get_password(generate, pw, sizeof pw);
		if (rc == 0 && (r = account_user_add(db, name, display, role, lang, pw, now, NULL)))
			rc = user_error(name, r);
		if (rc == 0)
			(void)fprintf(stderr,
				      T("keikai: user %s added (%s)\n",
					"keikai: ユーザ %s を追加しました (%s)\n"),
				      name, account_role_name(role));
	} else if (strcmp(argv[1], "passwd") == 0 && argc >= 3 && role == HTTP_ANON) {
		struct account_change ch = {.password = pw, .role = -1, .disabled = -1};
		struct account_user u;
		if ((r = account_user_get(db, name, &u)) != 0)
			rc = user_error(name, r);
		else
			rc = get_password(generate, pw, sizeof pw);
		if (rc == 0 && (r = account_user_change(db, name, &ch)))
			rc = user_error(name, r);
	} else if ((strcmp(argv[1], "disable") == 0 || strcmp(argv[1], "enable") == 0) &&
		   argc == 3) {
		struct account_change ch = {.role = -1, .disabled = argv[1][0] == 'd'};
		if ((r = account_user_change(db, name, &ch)))
			rc = user_error(name, r);
	} else {
		usage(stderr);
		rc = 2;
	}
	sodium_memzero(pw, sizeof pw);
	sqlite3_close(db);
	return rc;
}

static const struct obs_retention keep_all = {0, 0, 0};

static int rollup_all(struct obs_store *s, int32_t tz)
{
	for (;;) {
		struct obs_rollup_report rep;
		if (s->ops->rollup(s, tz, &keep_all, (int64_t)time(NULL), 5000, &rep) != 0)
			return report(s, -1, "rollup");
		if (rep.records < 5000)
			return 0;
	}
}

/* Import records from JSON lines: the same reader and store as the HTTP ingest, in group
 * commits of 500 records. */
static int import_file(struct obs_store *s, struct geo *g, FILE *f, const char *name,
		       const char *create_org, uint64_t *stored, uint64_t *dups)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0, in_tx = 0;
	int rc = 0;
	while ((len = getline(&line, &cap, f)) > 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		struct obs_record r;
		struct obs_parse_error pe;
		if (obs_record_from_json(line, (size_t)len, &r, &pe) != 0) {
			(void)fprintf(stderr, "keikai: %s:%lu: %s\n", name, lineno,
				      i18n_lang() == I18N_JA ? pe.message_ja : pe.message);
			rc = 1;
			break;
		}
		int64_t sid;
		int x = s->ops->sensor_id(s, r.sensor, &sid);
		if (x == 1 && create_org) {
			uint8_t h[TOKEN_HASH_LEN];
			char tok[TOKEN_LEN + 1];
			token_new(tok, sizeof tok);
			token_hash(tok, strlen(tok), h);
			if (s->ops->sensor_add(s, r.sensor, create_org, "", "", "", h) == 0)
				x = s->ops->sensor_id(s, r.sensor, &sid);
		}
		if (x != 0) {
			(void)fprintf(stderr,
				      T("keikai: %s:%lu: no sensor named %s (add it, or use "
					"--create-sensors ORG)\n",
					"keikai: %s:%lu: センサ %s がありません (追加するか "
					"--create-sensors 組織 を使ってください)\n"),
				      name, lineno, r.sensor);
			obs_record_done(&r);
			rc = 1;
			break;
		}
		struct obs_record_geo tags;
		if (obs_tag_record(g, &r, &tags) != 0) {
			obs_record_done(&r);
			rc = 1;
			break;
		}
		if (in_tx == 0 && s->ops->begin(s) != 0) {
			obs_tag_free(&tags);
			obs_record_done(&r);
			rc = report(s, -1, "begin");
			break;
		}
		enum obs_put_result pr = s->ops->put(s, sid, &r, &tags, (int64_t)time(NULL));
		obs_tag_free(&tags);
		obs_record_done(&r);
		if (pr == OBS_PUT_ERROR) {
			s->ops->rollback(s);
			in_tx = 0;
			rc = report(s, -1, name);
			break;
		}
		*stored += pr == OBS_PUT_STORED;
		*dups += pr == OBS_PUT_DUPLICATE;
		if (++in_tx == 500) {
			if (s->ops->commit(s) != 0) {
				rc = report(s, -1, "commit");
				break;
			}
			in_tx = 0;
		}
	}
	if (in_tx && rc == 0 && s->ops->commit(s) != 0)
		rc = report(s, -1, "commit");
	if (rc != 0)
		s->ops->rollback(s);
	free(line);
	return rc;
}

static int cmd_import(int argc, char **argv)
{
	const char *create_org = NULL;
	int32_t tz = 9 * 3600;
	int i = 1;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2]; i++) {
		if (strcmp(argv[i], "--create-sensors") == 0 && i + 1 < argc) {
			create_org = argv[++i];
		} else if (strcmp(argv[i], "--tz") == 0 && i + 1 < argc) {
			if (range_parse_offset(argv[++i], &tz) != 0) {
				usage(stderr);
				return 2;
			}
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	struct obs_store *s = open_store();
	if (!s)
		return 1;
	if (create_org) {
		int64_t id;
		if (s->ops->org_id(s, create_org, &id) == 1 &&
		    s->ops->org_add(s, create_org) != 0) {
			obs_store_close(s);
			return report(s, -1, create_org);
		}
	}
	char err[256];
	struct geo *g = geo_open(NULL, err, sizeof err);
	if (!g)
		(void)fprintf(stderr, "keikai: %s\n", err);
	uint64_t stored = 0, dups = 0;
	int rc = 0;
	for (; i < argc && rc == 0; i++) {
		FILE *f = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "re");
		if (!f) {
			(void)fprintf(stderr, "keikai: %s: %m\n", argv[i]);
			rc = 1;
			break;
		}
		rc = import_file(s, g, f, argv[i], create_org, &stored, &dups);
		if (f != stdin)
			(void)fclose(f);
	}
	if (rc == 0)
		rc = rollup_all(s, tz);
	(void)printf(T("%llu records stored, %llu already present\n",
		       "%llu 件のレコードを保存しました (既存 %llu 件)\n"),
		     (unsigned long long)stored, (unsigned long long)dups);
	geo_close(g);
	obs_store_close(s);
	return rc;
}

static int cmd_rollup(int argc, char **argv)
{
	int32_t tz = 9 * 3600;
	if (argc == 3 && strcmp(argv[1], "--tz") == 0) {
		if (range_parse_offset(argv[2], &tz) != 0) {
			usage(stderr);
			return 2;
		}
	} else if (argc != 1) {
		usage(stderr);
		return 2;
	}
	struct obs_store *s = open_store();
	if (!s)
		return 1;
	int rc = rollup_all(s, tz);
	obs_store_close(s);
	return rc;
}

/* the whole of a file (or standard input for "-"), NUL-terminated; NULL on error */
static char *slurp(const char *path, size_t *len)
{
	bool own = strcmp(path, "-") != 0;
	FILE *f = own ? fopen(path, "re") : stdin;
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (n + 1 < cap) {
			if (ferror(f)) {
				free(buf);
				buf = NULL;
			}
			break;
		}
		if (cap > ((size_t)1 << 30)) { /* a constituency is not a gigabyte */
			free(buf);
			buf = NULL;
			break;
		}
		char *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	if (own)
		(void)fclose(f);
	if (buf) {
		buf[n] = 0;
		*len = n;
	}
	return buf;
}

static int cmd_contact(int argc, char **argv)
{
	bool import = argc == 3 && strcmp(argv[1], "import") == 0;
	if (!import && !(argc == 2 && strcmp(argv[1], "export") == 0)) {
		usage(stderr);
		return 2;
	}
	char err[512];
	sqlite3 *db;
	if (db_open(db_path, &db, err, sizeof err) != 0 ||
	    contact_migrate(db, err, sizeof err) != 0) {
		(void)fprintf(stderr, "keikai: %s: %s\n", db_path, err);
		return 1;
	}
	int rc = 0;
	if (import) {
		size_t len = 0;
		char *text = slurp(argv[2], &len);
		if (!text) {
			(void)fprintf(
			    stderr,
			    T("keikai: cannot read %s: %m\n", "keikai: %s を読めません: %m\n"),
			    argv[2]);
			sqlite3_close(db);
			return 1;
		}
		size_t created, updated, line;
		char field[64];
		const struct contact_actor who = {0, "import"};
		int r = contact_import(db, text, len, (int64_t)time(NULL), &who, &created, &updated,
				       &line, field, sizeof field);
		free(text);
		if (r != 0) {
			(void)fprintf(
			    stderr,
			    T("keikai: %s line %zu: %s (%s%s%s); nothing was imported\n",
			      "keikai: %s %zu 行目: %s (%s%s%s)。何も取り込んでいません\n"),
			    argv[2], line,
			    contact_strerror(r, i18n_lang() == I18N_JA ? "ja" : "en"),
			    contact_error_code(r), field[0] ? ", " : "", field);
			rc = 1;
		} else {
			(void)printf(T("%zu created, %zu updated\n", "%zu 件作成、%zu 件更新\n"),
				     created, updated);
		}
	} else {
		char *text;
		size_t len;
		int r = contact_export(db, &text, &len);
		if (r != 0) {
			(void)fprintf(stderr, "keikai: %s\n",
				      contact_strerror(r, i18n_lang() == I18N_JA ? "ja" : "en"));
			rc = 1;
		} else {
			if (fwrite(text, 1, len, stdout) != len)
				rc = 1;
			free(text);
		}
	}
	sqlite3_close(db);
	return rc;
}

int main(int argc, char **argv)
{
	const char *lang = NULL;
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
					     {"lang", required_argument, NULL, 'L'},
					     {"help", no_argument, NULL, 'h'},
					     {"version", no_argument, NULL, 'V'},
					     {NULL, 0, NULL, 0}};
	int o;
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): parsed before any thread starts */
	while ((o = getopt_long(argc, argv, "+d:hV", opts, NULL)) != -1) {
		switch (o) {
		case 'd':
			db_path = optarg;
			break;
		case 'L':
			lang = optarg;
			break;
		case 'h':
			(void)i18n_init(lang);
			usage(stdout);
			return 0;
		case 'V':
			(void)printf("keikai %s\n", KEIKAI_VERSION);
			return 0;
		default:
			(void)i18n_init(lang);
			usage(stderr);
			return 2;
		}
	}
	if (i18n_init(lang) != 0 || token_init() != 0) {
		(void)fprintf(stderr, "keikai: --lang en or ja\n");
		return 2;
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	argc -= optind;
	argv += optind;
	if (strcmp(argv[0], "org") == 0)
		return cmd_org(argc, argv);
	if (strcmp(argv[0], "sensor") == 0)
		return cmd_sensor(argc, argv);
	if (strcmp(argv[0], "token") == 0)
		return cmd_token(argc, argv);
	if (strcmp(argv[0], "import") == 0 && argc >= 2 && strcmp(argv[1], "mail") == 0)
		return cli_import_mail(argc, argv, db_path);
	if (strcmp(argv[0], "intake") == 0)
		return cli_intake(argc, argv, db_path);
	if (strcmp(argv[0], "reindex") == 0)
		return cli_reindex(argc, argv, db_path);
	if (strcmp(argv[0], "import") == 0)
		return cmd_import(argc, argv);
	if (strcmp(argv[0], "user") == 0)
		return cmd_user(argc, argv);
	if (strcmp(argv[0], "contact") == 0)
		return cmd_contact(argc, argv);
	if (strcmp(argv[0], "rollup") == 0)
		return cmd_rollup(argc, argv);
	if (strcmp(argv[0], "report") == 0)
		return cli_report(db_path, argc, argv);
	if (strcmp(argv[0], "stats") == 0)
		return cli_stats(db_path, argc, argv);
	usage(stderr);
	return 2;
}
