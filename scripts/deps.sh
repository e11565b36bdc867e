#!/bin/sh
# Install the Debian packages keikai needs to build, test and run its demo (Debian 12, as root),
# then the web UI's npm packages (package-lock.json) into node_modules/.
# Only what is missing is installed; a machine that has everything is left untouched.
set -eu
cd "$(dirname "$0")/.."

PKGS="build-essential meson ninja-build pkg-config clang clang-tidy clang-format
libclang-rt-14-dev libpcap-dev libjansson-dev libcurl4-openssl-dev libinih-dev libcmocka-dev
libloc-dev libloc-database location libsqlite3-dev sqlite3 libsodium-dev libmicrohttpd-dev
libgmime-3.0-dev libpsl-dev libidn2-dev publicsuffix dnsmasq-base nkf libssl-dev
tcpdump tshark tcpreplay nfdump iproute2 python3 time jq curl bc openssl nodejs chromium wrk nginx-light
postfix tzdata"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# Debian's nodejs comes without npm (package npm); other builds of nodejs bring their own
if ! command -v npm >/dev/null 2>&1; then
	missing="$missing npm"
fi
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "keikai: these Debian packages are missing:$missing" >&2
		echo "keikai: run as root, or install them with: apt-get install$missing" >&2
		exit 1
	fi
	echo "keikai: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; answer no without a prompt
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	# postfix is only run as private instances by tests/integration/test-mta.sh: the package must
	# neither configure nor start a system mail server
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# npm packages (uPlot for the web UI, playwright-core for the browser tests): `npm ci` when
# node_modules is missing or was installed from another package-lock.json. The lock file's
# checksum is kept in node_modules/ after a successful install.
stamp=node_modules/.keikai-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
	echo "keikai: npm ci (node_modules missing or stale)"
	npm ci --no-audit --no-fund --loglevel=error
	echo "$want" >"$stamp"
fi
