/* fuzz-mail.c - the mail parser on arbitrary bytes
 *
 * The first byte chooses the limits (the defaults, or small ones that every input can reach),
 * the rest is the message. Whatever is accepted must hold only valid UTF-8 of the stated
 * lengths and stay within the limits; whatever is refused must carry a known code. The message
 * is also read by the scanner alone and by GMime alone: the scanner either declines or gives
 * exactly what GMime gives (docs/intake.md "E-mail").
 */
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/incident/mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, size_t n)
{
	if (!s || strlen(s) != n || !g_utf8_validate(s, (gssize)n, NULL))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct mail_limits lim = mail_limits_default;
	if (data[0] & 1) {
		lim.max_parts = 1 + (data[0] >> 1 & 7);
		lim.max_depth = data[0] >> 4 & 3;
		lim.max_header_bytes = 64 + 64 * (size_t)(data[0] >> 6);
		lim.max_text_bytes = 32 + 128 * (size_t)(data[0] >> 5 & 1);
	}
	struct mail_msg m, g, f;
	char err[128];
	const char *raw = (const char *)data + 1;
	int rg = mail_parse_path(MAIL_PATH_GMIME, raw, size - 1, &lim, &g, NULL, 0);
	int rf = mail_parse_path(MAIL_PATH_FAST, raw, size - 1, &lim, &f, NULL, 0);
	if (rf == MAIL_DECLINED) {
		if (f.text || f.parts)
			abort();
	} else if (rf != rg || (rf == 0 && !mail_msg_same(&g, &f, err, sizeof(err)))) {
		abort(); /* the scanner and GMime disagree */
	}
	mail_msg_free(&g);
	mail_msg_free(&f);
	int rc = mail_parse(raw, size - 1, &lim, &m, err, sizeof(err));
	if (rc != 0) {
		if (strcmp(mail_error_name(rc), "unknown") == 0 || m.text || m.parts)
			abort();
		return 0;
	}
	const char *hs[] = {m.from, m.from_addr, m.to, m.subject, m.message_id, m.date_hdr};
	for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
		check_str(hs[i], hs[i] ? strlen(hs[i]) : 0);
		if (strlen(hs[i]) > lim.max_header_bytes)
			abort();
	}
	check_str(m.text, m.text_len);
	check_str(m.html, m.html_len);
	if (m.text_len > lim.max_text_bytes || m.html_len > lim.max_text_bytes ||
	    m.nparts > lim.max_parts)
		abort();
	for (size_t i = 0; i < m.nparts; i++) {
		const struct mail_part *p = &m.parts[i];
		if (!p->type || p->depth < 0 || p->depth > lim.max_depth)
			abort();
		if (p->filename)
			check_str(p->filename, strlen(p->filename));
		if (p->text) {
			check_str(p->text, p->text_len);
			if (p->text_len > lim.max_text_bytes)
				abort();
		}
	}
	mail_msg_free(&m);
	return 0;
}
