/* i18n.h - English and Japanese for text a person reads
 *
 * Every user-facing string is written at its call site as a pair, T("English", "日本語"), so
 * the two languages are reviewed together and neither can be forgotten. The language is chosen
 * once at start: --lang, else LC_ALL / LC_MESSAGES / LANG beginning with "ja", else English.
 * Machine-readable output (JSON, error codes) is never translated.
 */
#ifndef KEIKAI_I18N_H
#define KEIKAI_I18N_H

enum i18n_lang { I18N_EN = 0, I18N_JA = 1 };

/* Choose the language: lang is "en", "ja" or NULL (then the environment decides). Not
 * thread-safe: call once before starting threads. Returns 0, or -EINVAL for an unknown lang. */
int i18n_init(const char *lang);

enum i18n_lang i18n_lang(void);

/* The string for the current language. When en is a printf format, ja must take the same
 * conversions in the same order; format_arg lets the compiler check the call against en. */
const char *i18n_pick(const char *en, const char *ja) __attribute__((format_arg(1)));

#define T(en, ja) i18n_pick((en), (ja))

#endif
