#!/bin/sh
# Install the Debian packages keikai needs to build, test and run its demo (Debian 12, as root).
# Only what is missing is installed; a machine that has everything is left untouched.
set -eu

PKGS="build-essential meson ninja-build pkg-config clang clang-tidy clang-format
libclang-rt-14-dev libpcap-dev libjansson-dev libcurl4-openssl-dev libinih-dev libcmocka-dev
tcpdump tshark tcpreplay nfdump iproute2 python3 time jq location libloc-database"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "keikai: these Debian packages are missing:$missing" >&2
	echo "keikai: run as root, or install them with: apt-get install$missing" >&2
	exit 1
fi
echo "keikai: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
