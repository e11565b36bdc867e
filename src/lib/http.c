/* http.c - answer helpers for domain handlers */
#include "http.h"

#include <stdlib.h>

#include "jsonw.h"

#include "banned.h"

void http_error(struct http_resp *rs, unsigned status, const char *code, const char *en,
		const char *ja)
{
	struct jsonw w;
	jsonw_init(&w, 1u << 16);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "error");
	jsonw_obj_begin(&w);
	jsonw_key(&w, "code");
	jsonw_str(&w, code);
	jsonw_key(&w, "message");
	jsonw_str(&w, en);
	jsonw_key(&w, "message_ja");
	jsonw_str(&w, ja);
	jsonw_obj_end(&w);
	jsonw_obj_end(&w);
	size_t len = 0;
	free(rs->body);
	rs->body = jsonw_finish(&w, &len, NULL);
	rs->len = rs->body ? len : 0;
	rs->status = status;
	rs->type = "application/json; charset=utf-8";
	rs->cacheable = false;
}

void http_json(struct http_resp *rs, unsigned status, char *text, size_t len)
{
	free(rs->body);
	rs->body = text;
	rs->len = len;
	rs->status = status;
	rs->type = "application/json; charset=utf-8";
}
