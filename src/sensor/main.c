/* main.c - keikai-sensor: observe the packets that reach dark addresses, one record per interval
 *
 * Flow: options and config -> outputs (may create the spool) -> capture opened -> privileges
 * dropped -> capture_run (decode, classify, aggregate, emit per interval) -> outputs closed.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keikai-config.h"
#include "capture.h"
#include "config.h"
#include "outputs.h"
#include "privdrop.h"
#include "sensor.h"
#include "../lib/hash.h"
#include "../lib/i18n.h"
#include "../lib/banned.h"

enum {
	OPT_SUMMARY = 256,
	OPT_TOKEN_FILE,
	OPT_SPOOL,
	OPT_CA_FILE,
	OPT_DRAIN,
	OPT_SNAPLEN,
	OPT_STATS,
	OPT_LANG,
	OPT_MEMORY,
	OPT_SCAN_MIN,
	OPT_TOP,
	OPT_HASH_SEED,
};

static const struct option long_opts[] = {
    {"config", required_argument, NULL, 'c'},
    {"read", required_argument, NULL, 'r'},
    {"interface", required_argument, NULL, 'i'},
    {"filter", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"summary", no_argument, NULL, OPT_SUMMARY},
    {"url", required_argument, NULL, 'u'},
    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
    {"spool", required_argument, NULL, OPT_SPOOL},
    {"ca-file", required_argument, NULL, OPT_CA_FILE},
    {"drain", required_argument, NULL, OPT_DRAIN},
    {"sensor-id", required_argument, NULL, 's'},
    {"interval", required_argument, NULL, 'I'},
    {"dark", required_argument, NULL, 'd'},
    {"user", required_argument, NULL, 'Z'},
    {"buffer-size", required_argument, NULL, 'B'},
    {"snaplen", required_argument, NULL, OPT_SNAPLEN},
    {"scan-min", required_argument, NULL, OPT_SCAN_MIN},
    {"top", required_argument, NULL, OPT_TOP},
    {"hash-seed", required_argument, NULL, OPT_HASH_SEED},
    {"stats", no_argument, NULL, OPT_STATS},
    {"lang", required_argument, NULL, OPT_LANG},
    {"memory-bound", no_argument, NULL, OPT_MEMORY},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};
static const char short_opts[] = "c:r:i:f:o:u:s:I:d:Z:B:hV";

static void usage(FILE *f)
{
	(void)fputs(
	    T("Usage: keikai-sensor [OPTION]... (-r FILE... | -i INTERFACE)\n"
	      "Observe the packets that reach unused (dark) addresses and write one record\n"
	      "per sensor and interval: per-port counts, scanners, backscatter DoS attacks.\n"
	      "\n"
	      "Input:\n"
	      "  -r, --read FILE        read a pcap or pcapng file (repeatable, in order)\n"
	      "  -i, --interface IF     capture live on IF\n"
	      "  -f, --filter EXPR      BPF filter\n"
	      "  -d, --dark PREFIX      dark prefix to watch (repeatable; default: all)\n"
	      "  -B, --buffer-size MIB  kernel capture buffer (default 32)\n"
	      "      --snaplen N        bytes kept per packet (default 262144)\n"
	      "  -Z, --user USER        drop privileges to USER after opening the capture\n"
	      "Intervals and detection:\n"
	      "  -s, --sensor-id ID     this sensor's name (default \"sensor\")\n"
	      "  -I, --interval SEC     interval length, 10..3600 (default 300)\n"
	      "      --scan-min N       distinct dark addresses on one port that make a\n"
	      "                         scanner (default 25)\n"
	      "      --top N            top sources listed per interval (default 10)\n"
	      "Output:\n"
	      "  -o, --output FILE      append records as JSON lines (\"-\" = stdout)\n"
	      "      --summary          print a readable summary per interval\n"
	      "  -u, --url URL          deliver records to keikaid at URL\n"
	      "      --token-file FILE  the sensor's bearer token\n"
	      "      --spool DIR        records not yet delivered\n"
	      "      --ca-file FILE     CA certificates for https\n"
	      "      --drain SEC        keep delivering this long at exit (default 10)\n"
	      "Other:\n"
	      "  -c, --config FILE      read settings from an INI file (flags override)\n"
	      "      --stats            print run totals on stderr at exit\n"
	      "      --memory-bound     print the most memory the tables may use, and exit\n"
	      "      --hash-seed N      fixed hash key instead of a random one (tests)\n"
	      "      --lang en|ja       language of messages (default: from LANG)\n"
	      "  -h, --help             this help\n"
	      "  -V, --version          version\n"
	      "\n"
	      "SIGTERM/SIGINT close the current interval and exit; SIGHUP reopens output "
	      "files.\n"
	      "See keikai-sensor(8) and docs/sensor.md.\n",
	      "使い方: keikai-sensor [オプション]... (-r ファイル... | -i インタフェース)\n"
	      "未使用 (ダーク) アドレスに届くパケットを観測し、センサと集計期間ごとに1件の\n"
	      "レコード (ポート別の件数、スキャナ、バックスキャッタによる DoS 攻撃) "
	      "を書き出します。\n"
	      "\n"
	      "入力:\n"
	      "  -r, --read FILE        pcap / pcapng ファイルを読む (複数可、指定順)\n"
	      "  -i, --interface IF     IF でライブキャプチャする\n"
	      "  -f, --filter EXPR      BPF フィルタ\n"
	      "  -d, --dark PREFIX      観測するダークプレフィックス (複数可、既定: すべて)\n"
	      "  -B, --buffer-size MIB  カーネルのキャプチャバッファ (既定 32)\n"
	      "      --snaplen N        1パケットあたり保持するバイト数 (既定 262144)\n"
	      "  -Z, --user USER        キャプチャを開いた後 USER の権限に落とす\n"
	      "集計期間と検知:\n"
	      "  -s, --sensor-id ID     このセンサの名前 (既定 \"sensor\")\n"
	      "  -I, --interval SEC     集計期間の長さ 10..3600 秒 (既定 300)\n"
	      "      --scan-min N       スキャナとみなす、1ポートあたりの異なるダーク\n"
	      "                         アドレス数 (既定 25)\n"
	      "      --top N            集計期間ごとに示す送信元の上位件数 (既定 10)\n"
	      "出力:\n"
	      "  -o, --output FILE      レコードを JSON Lines で追記する (\"-\" は標準出力)\n"
	      "      --summary          集計期間ごとに読みやすい要約を表示する\n"
	      "  -u, --url URL          レコードを URL の keikaid に送る\n"
	      "      --token-file FILE  このセンサのベアラートークン\n"
	      "      --spool DIR        未送信レコードの置き場所\n"
	      "      --ca-file FILE     https 用の CA 証明書\n"
	      "      --drain SEC        終了時に送信を続ける秒数 (既定 10)\n"
	      "その他:\n"
	      "  -c, --config FILE      INI ファイルから設定を読む (オプションが優先)\n"
	      "      --stats            終了時に実行の合計を標準エラーに出す\n"
	      "      --memory-bound     テーブルが使う最大メモリ量を表示して終了する\n"
	      "      --hash-seed N      乱数でなく固定のハッシュ鍵を使う (試験用)\n"
	      "      --lang en|ja       メッセージの言語 (既定: LANG による)\n"
	      "  -h, --help             このヘルプ\n"
	      "  -V, --version          バージョン\n"
	      "\n"
	      "SIGTERM/SIGINT で現在の集計期間を閉じて終了し、SIGHUP "
	      "で出力ファイルを開き直します。\n"
	      "keikai-sensor(8) と docs/sensor.md を参照してください。\n"),
	    f);
}

static void on_stop(int sig)
{
	(void)sig;
	capture_stop_requested = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	capture_reopen_requested = 1;
}

static int install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	(void)sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
		return -errno;
	sa.sa_handler = on_hup;
	if (sigaction(SIGHUP, &sa, NULL) < 0)
		return -errno;
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -errno;
	return 0;
}

struct run {
	struct outputs outs;
	uint64_t write_errors;
};

static int emit(void *user, const struct obs_record *rec)
{
	struct run *run = user;
	char err[512];
	int rc = outputs_write(&run->outs, rec, err, sizeof(err));
	if (rc < 0) {
		run->write_errors++;
		(void)fprintf(stderr, "keikai-sensor: %s\n", err);
	}
	return rc;
}

static void reopen(void *user)
{
	struct run *run = user;
	char err[512];
	if (outputs_reopen(&run->outs, err, sizeof(err)) < 0)
		(void)fprintf(stderr, "keikai-sensor: %s\n", err);
}

static int set_flag(struct sensor_config *cfg, const char *section, const char *name,
		    const char *value)
{
	char err[512];
	if (sensor_config_set(cfg, section, name, value, err, sizeof(err)) < 0) {
		(void)fprintf(stderr, "keikai-sensor: %s\n", err);
		return -1;
	}
	return 0;
}

static int apply_option(struct sensor_config *cfg, int opt, const char *arg)
{
	switch (opt) {
	case 'r':
		if (cfg->n_files >= SENSOR_MAX_FILES) {
			(void)fprintf(stderr,
				      T("keikai-sensor: at most %d files\n",
					"keikai-sensor: ファイルは %d 個までです\n"),
				      SENSOR_MAX_FILES);
			return -1;
		}
		cfg->files[cfg->n_files++] = arg;
		return 0;
	case 'i':
		return set_flag(cfg, "capture", "interface", arg);
	case 'f':
		return set_flag(cfg, "capture", "filter", arg);
	case 'o':
		return set_flag(cfg, "output", "jsonl", arg);
	case OPT_SUMMARY:
		cfg->summary = true;
		return 0;
	case 'u':
		return set_flag(cfg, "output", "url", arg);
	case OPT_TOKEN_FILE:
		return set_flag(cfg, "output", "token_file", arg);
	case OPT_SPOOL:
		return set_flag(cfg, "output", "spool", arg);
	case OPT_CA_FILE:
		return set_flag(cfg, "output", "ca_file", arg);
	case OPT_DRAIN:
		return set_flag(cfg, "output", "drain", arg);
	case 's':
		return set_flag(cfg, "sensor", "id", arg);
	case 'I':
		return set_flag(cfg, "sensor", "interval", arg);
	case 'd':
		return set_flag(cfg, "capture", "dark", arg);
	case 'Z':
		return set_flag(cfg, "capture", "user", arg);
	case 'B':
		return set_flag(cfg, "capture", "buffer_mib", arg);
	case OPT_SNAPLEN:
		return set_flag(cfg, "capture", "snaplen", arg);
	case OPT_SCAN_MIN:
		return set_flag(cfg, "scanner", "min_destinations", arg);
	case OPT_TOP:
		return set_flag(cfg, "sensor", "top_sources", arg);
	case OPT_STATS:
		cfg->stats = true;
		return 0;
	default:
		return 0;
	}
}

static void print_stats(const struct capture *cap, const struct sensor *s, struct run *run)
{
	struct capture_stats cs;
	struct sensor_totals t;
	struct output_http_stats hs;

	capture_stats(cap, &cs);
	sensor_totals(s, &t);
	double pps = cs.seconds > 0 ? (double)t.frames / cs.seconds : 0.0;
	(void)fprintf(stderr,
		      "stats: frames=%llu packets=%llu records=%llu seconds=%.3f pps=%.0f "
		      "kernel_drops=%llu if_drops=%llu read_errors=%llu write_errors=%llu\n",
		      (unsigned long long)t.frames, (unsigned long long)t.packets,
		      (unsigned long long)t.records, cs.seconds, pps,
		      (unsigned long long)cs.kernel_drops, (unsigned long long)cs.if_drops,
		      (unsigned long long)cs.read_errors, (unsigned long long)run->write_errors);
	if (outputs_http_stats(&run->outs, &hs) == 0)
		(void)fprintf(stderr,
			      "stats: http spooled=%llu delivered=%llu retried=%llu rejected=%llu "
			      "pending=%llu refused=%llu\n",
			      (unsigned long long)hs.spooled, (unsigned long long)hs.delivered,
			      (unsigned long long)hs.retried, (unsigned long long)hs.rejected,
			      (unsigned long long)hs.pending, (unsigned long long)hs.refused);
}

static void chown_spool(const char *dir, uid_t uid, gid_t gid)
{
	char sub[4096];

	if (!dir)
		return;
	if (chown(dir, uid, gid) < 0)
		(void)fprintf(stderr, "keikai-sensor: chown '%s': %m\n", dir);
	(void)snprintf(sub, sizeof(sub), "%s/rejected", dir);
	if (chown(sub, uid, gid) < 0) {
		/* absent until a record is rejected: created later by the dropped user */
	}
}

int main(int argc, char **argv)
{
	struct sensor_config cfg;
	struct run run;
	struct capture *cap = NULL;
	struct sensor *s = NULL;
	const char *config_path = NULL, *lang = NULL;
	char err[1024];
	int opt, status = 1;
	bool show_memory = false;
	const char *hash_seed = NULL;
	uid_t uid = 0;
	gid_t gid = 0;

	memset(&run, 0, sizeof(run));
	/* Each interval builds a record and its JSON text, megabytes for a busy sensor; keep
	 * such blocks in the heap for the next interval instead of mapping fresh zeroed pages
	 * every time. */
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): no threads yet */
	(void)mallopt(M_MMAP_THRESHOLD, 64 << 20);
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): no threads yet */
	(void)mallopt(M_TRIM_THRESHOLD, 128 << 20);
	/* first pass: language and config file, which the other options override */
	opterr = 0;
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): parsed before any thread starts */
	while ((opt = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		if (opt == 'c')
			config_path = optarg;
		else if (opt == OPT_LANG)
			lang = optarg;
	}
	if (i18n_init(lang) < 0) {
		(void)fprintf(stderr, "keikai-sensor: --lang must be en or ja / --lang には en か "
				      "ja を指定してください\n");
		return 1;
	}
	sensor_config_defaults(&cfg);
	if (config_path && sensor_config_load(&cfg, config_path, err, sizeof(err)) < 0) {
		(void)fprintf(stderr, "keikai-sensor: %s\n", err);
		return 1;
	}
	if (!lang && cfg.lang && i18n_init(cfg.lang) < 0) {
		(void)fprintf(stderr, "keikai-sensor: sensor.lang must be en or ja / sensor.lang "
				      "には en か ja を指定してください\n");
		return 1;
	}
	optind = 1;
	opterr = 1;
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): parsed before any thread starts */
	while ((opt = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			(void)printf("keikai-sensor %s\n", KEIKAI_VERSION);
			return 0;
		case OPT_MEMORY:
			show_memory = true;
			break;
		case OPT_HASH_SEED:
			hash_seed = optarg;
			break;
		case '?':
			usage(stderr);
			return 1;
		default:
			if (apply_option(&cfg, opt, optarg) < 0)
				return 1;
		}
	}
	if (optind < argc) {
		(void)fprintf(stderr,
			      T("keikai-sensor: unexpected argument '%s'\n",
				"keikai-sensor: 余分な引数 '%s' があります\n"),
			      argv[optind]);
		return 1;
	}
	if (show_memory) {
		(void)printf("%zu\n", sensor_memory_bound(&cfg));
		return 0;
	}
	if (sensor_config_check(&cfg, err, sizeof(err)) < 0) {
		(void)fprintf(stderr, "keikai-sensor: %s\n", err);
		return 1;
	}
	if (!cfg.jsonl_path && !cfg.summary && !cfg.url) {
		(void)fprintf(stderr, "%s\n",
			      T("keikai-sensor: no output: give -o FILE, --summary or -u URL",
				"keikai-sensor: 出力先がありません: -o FILE、--summary、-u URL の"
				"いずれかを指定してください"));
		return 1;
	}
	if (hash_seed) {
		char *end;
		errno = 0;
		unsigned long long k = strtoull(hash_seed, &end, 0);
		if (errno != 0 || *end != '\0' || end == hash_seed || hash_seed[0] == '-') {
			(void)fprintf(stderr,
				      T("keikai-sensor: invalid --hash-seed '%s'\n",
					"keikai-sensor: --hash-seed '%s' が不正です\n"),
				      hash_seed);
			return 1;
		}
		hash_seed_set(k, k ^ 0x9e3779b97f4a7c15ULL);
	} else if (hash_seed_random() < 0) {
		(void)fprintf(stderr, "keikai-sensor: getrandom: %m\n");
		return 1;
	}
	if (install_signals() < 0) {
		(void)fprintf(stderr, "keikai-sensor: sigaction: %m\n");
		return 1;
	}
	if (cfg.user && privdrop_lookup(cfg.user, &uid, &gid, err, sizeof(err)) < 0) {
		(void)fprintf(stderr, "keikai-sensor: %s\n", err);
		return 1;
	}

	if (outputs_open(&cfg, &run.outs, err, sizeof(err)) < 0) {
		(void)fprintf(stderr, "keikai-sensor: %s\n", err);
		return 1;
	}
	cap = capture_open(&cfg, err, sizeof(err));
	if (!cap) {
		(void)fprintf(stderr, "keikai-sensor: %s\n", err);
		goto out;
	}
	if (cfg.user) {
		chown_spool(cfg.spool_dir, uid, gid);
		/* the JSON-lines file is reopened on SIGHUP, by then without root */
		if (cfg.jsonl_path && strcmp(cfg.jsonl_path, "-") != 0 &&
		    chown(cfg.jsonl_path, uid, gid) < 0)
			(void)fprintf(stderr, "keikai-sensor: chown '%s': %m\n", cfg.jsonl_path);
		if (privdrop_apply(uid, gid, err, sizeof(err)) < 0) {
			(void)fprintf(stderr, "keikai-sensor: %s\n", err);
			goto out;
		}
	}
	s = sensor_new(&cfg, emit, &run);
	if (!s) {
		(void)fprintf(stderr, "keikai-sensor: %s\n",
			      T("out of memory for the interval tables (see --memory-bound and "
				"[limits])",
				"集計テーブル用のメモリが足りません (--memory-bound と [limits] を"
				"参照)"));
		goto out;
	}
	status = capture_run(cap, s, reopen, &run);
	if (status == 0 && run.write_errors > 0)
		status = 3;
	outputs_close(&run.outs);
	if (cfg.stats)
		print_stats(cap, s, &run);
out:
	outputs_close(&run.outs);
	sensor_free(s);
	capture_free(cap);
	return status;
}
