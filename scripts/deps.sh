#!/usr/bin/env bash
# Installs every Debian package that building, running and testing Tern needs.
# Idempotent and quiet when everything is present; safe to call from every make target.
# Service auto-start is blocked during the install (policy-rc.d), so packages that ship
# daemons (postfix for smtp-sink/smtp-source, dovecot, ...) never start listening.
set -euo pipefail

PKGS=(
  # build
  cmake ninja-build ccache g++ clang pkg-config
  libasio-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  liblmdb-dev libunbound-dev libssl-dev libpcre2-dev libsqlite3-dev
  libclang-rt-14-dev
  # tests: real peers and the Python that sees Debian's modules
  python3 python3-aiosmtpd swaks libnet-ssleay-perl libio-socket-ssl-perl libauthen-sasl-perl
  postfix jq dovecot-core dovecot-lmtpd openssl libcrypt-dev
  # DNS peers (Knot signs the test zones, Unbound validates them) and the
  # independent SPF/DKIM implementations the authentication tests compare against
  knot knot-dnsutils unbound python3-dnspython python3-spf python3-dkim python3-nacl
  python3-yaml opendkim opendkim-tools miltertest publicsuffix
  # a real milter host for the milter client tests (its proxy worker in milter mode);
  # about 7 MB to fetch, 38 MB installed, ~10 s to install here
  rspamd
  # an independent RFC 8601 parser that reads our Authentication-Results back
  python3-authres
  # policy servers the check_policy_service client (and the greylist) are tested against;
  # check_reputation's answers are compared with policyd-weight's
  postgrey policyd-weight
  # an independent LMDB writer for the spam trap blocklist tests
  python3-lmdb
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "deps.sh: missing packages: ${missing[*]} (run as root to install them)" >&2
  exit 1
fi

echo "deps.sh: installing ${missing[*]}" >&2
made_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  made_policy=1
fi
trap '[ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
export DEBIAN_FRONTEND=noninteractive
# postfix is only a peer (smtp-sink, smtp-source) and the benchmark's opponent: keep it unconfigured.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
