#!/bin/sh
# Enable bookworm-backports (binary + source) and bookworm source packages,
# reusing the URI of the machine's existing Debian entry (apt-debian-uri.sh).
set -eu
here=$(cd "$(dirname "$0")" && pwd)

out=/etc/apt/sources.list.d/pvrcu-backports.sources
[ -f "$out" ] && exit 0

uri=$(sh "$here/apt-debian-uri.sh")

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
