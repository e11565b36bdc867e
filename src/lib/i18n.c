/* i18n.c - language choice for user-facing text */
#include "i18n.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

static enum i18n_lang current = I18N_EN;

static int is_ja(const char *v)
{
	return v && v[0] == 'j' && v[1] == 'a' && (v[2] == '\0' || v[2] == '_' || v[2] == '.');
}

int i18n_init(const char *lang)
{
	if (lang) {
		if (strcmp(lang, "en") == 0)
			current = I18N_EN;
		else if (strcmp(lang, "ja") == 0)
			current = I18N_JA;
		else
			return -EINVAL;
		return 0;
	}
	/* POSIX precedence: LC_ALL, then LC_MESSAGES, then LANG; the first set one decides. */
	static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]); /* NOLINT(concurrency-mt-unsafe): before threads */
		if (v && v[0]) {
			current = is_ja(v) ? I18N_JA : I18N_EN;
			return 0;
		}
	}
	current = I18N_EN;
	return 0;
}

enum i18n_lang i18n_lang(void)
{
	return current;
}

const char *i18n_pick(const char *en, const char *ja)
{
	return current == I18N_JA ? ja : en;
}
