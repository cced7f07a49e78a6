#!/bin/sh
# Enable bookworm-backports (binary + source) and bookworm source packages,
# reusing the URI of the machine's existing Debian entry. No host names here:
# the mirror is whatever the machine is already configured to use.
set -eu

out=/etc/apt/sources.list.d/pvrcu-backports.sources
[ -f "$out" ] && exit 0

uri=""
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	# deb822: take the URIs of the stanza whose Suites list plain "bookworm".
	uri=$(awk '
		/^[[:space:]]*$/ { if (s ~ /(^| )bookworm( |$)/ && u != "") { print u; exit } u=""; s=""; next }
		/^URIs:/   { u=$2 }
		/^Suites:/ { $1=""; s=$0 " " }
		END { if (s ~ /(^| )bookworm( |$)/ && u != "") print u }' "$f" | head -n1)
	[ -n "$uri" ] && break
done
if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
	uri=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list)
fi
if [ -z "$uri" ]; then
	echo "apt-backports: no Debian bookworm entry found in the apt sources" >&2
	exit 1
fi

cat > "$out" <<EOS
# Added by pvrcu (images/apt-backports.sh): same mirror as the main entry.
Types: deb deb-src
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: $uri
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
echo "apt-backports: enabled bookworm-backports from the existing Debian mirror"
