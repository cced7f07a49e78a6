#!/bin/sh
# Print the URI of the machine's Debian bookworm apt entry (deb822
# .sources first, then sources.list), for scripts that want another suite
# from the same mirror. No host names here: the mirror is whatever the
# machine is already configured to use.
# APT_ETC_DIR (default /etc/apt) lets tests point it at sample files.
set -eu
etc=${APT_ETC_DIR:-/etc/apt}

uri=""
for f in "$etc"/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	# deb822: take the URIs of the stanza whose Suites list plain "bookworm".
	uri=$(awk '
		/^[[:space:]]*$/ { if (s ~ /(^| )bookworm( |$)/ && u != "") { print u; exit } u=""; s=""; next }
		/^URIs:/   { u=$2 }
		/^Suites:/ { $1=""; s=$0 " " }
		END { if (s ~ /(^| )bookworm( |$)/ && u != "") print u }' "$f" | head -n1)
	[ -n "$uri" ] && break
done
if [ -z "$uri" ] && [ -f "$etc/sources.list" ]; then
	# one-line form; skip an "[ option=value ... ]" block before the URI
	uri=$(awk '$1 == "deb" {
		i = 2
		if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
		if ($(i + 1) == "bookworm") { print $i; exit }
	}' "$etc/sources.list")
fi
if [ -z "$uri" ]; then
	echo "apt-debian-uri: no Debian bookworm entry found in the apt sources" >&2
	exit 1
fi
echo "$uri"
