/* privdrop.c - give up root after the capture is open (see privdrop.h) */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../lib/i18n.h"
#include "../lib/banned.h"

int privdrop_lookup(const char *user, uid_t *ret_uid, gid_t *ret_gid, char *err, size_t errlen)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	int rc = getpwnam_r(user, &pw, buf, sizeof(buf), &res);
	if (rc != 0 || !res) {
		(void)snprintf(err, errlen, T("unknown user '%s'", "ユーザ '%s' が存在しません"),
			       user);
		return -ENOENT;
	}
	*ret_uid = pw.pw_uid;
	*ret_gid = pw.pw_gid;
	return 0;
}

int privdrop_apply(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	if (setgroups(1, &gid) != 0) {
		int e = errno;
		(void)snprintf(err, errlen,
			       T("setgroups failed: %m", "setgroups に失敗しました: %m"));
		return -e;
	}
	if (setgid(gid) != 0) {
		int e = errno;
		(void)snprintf(err, errlen,
			       T("setgid(%u) failed: %m", "setgid(%u) に失敗しました: %m"),
			       (unsigned)gid);
		return -e;
	}
	if (setuid(uid) != 0) {
		int e = errno;
		(void)snprintf(err, errlen,
			       T("setuid(%u) failed: %m", "setuid(%u) に失敗しました: %m"),
			       (unsigned)uid);
		return -e;
	}
	/* POS37-C: make sure the drop cannot be undone */
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		(void)snprintf(err, errlen, "%s",
			       T("privileges could be regained after dropping them",
				 "権限を放棄した後に取り戻せてしまいました"));
		return -EPERM;
	}
	if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid) {
		(void)snprintf(
		    err, errlen, "%s",
		    T("privilege drop did not take effect", "権限の放棄が反映されていません"));
		return -EPERM;
	}
	return 0;
}
