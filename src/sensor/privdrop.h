/* privdrop.h - give up root after the capture is open (CERT POS36-C, POS37-C) */
#ifndef KEIKAI_PRIVDROP_H
#define KEIKAI_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

/* Look up user (name) into *ret_uid / *ret_gid. Returns 0, or -ENOENT with a message in err. */
int privdrop_lookup(const char *user, uid_t *ret_uid, gid_t *ret_gid, char *err, size_t errlen);

/* Drop to uid/gid in the required order: setgroups (only the user's primary group), setgid,
 * setuid, checking each, then confirm root cannot be regained. Returns 0, or -errno with a
 * message in err; the caller must then exit. */
int privdrop_apply(uid_t uid, gid_t gid, char *err, size_t errlen);

#endif
