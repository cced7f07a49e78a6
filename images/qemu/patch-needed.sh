#!/bin/sh
# patch-needed.sh PATCH TREE: exit 0 if PATCH is still needed in the QEMU
# source TREE, 1 (saying why on stderr) if upstream has fixed what it fixes.
#
# A patch that works around an upstream bug names the code it fixes in a
# header line:
#   Pvrcu-Needed-While: FILE TEXT
# It is needed while FILE (relative to TREE) still contains TEXT (a fixed
# string). A newer QEMU with its own fix no longer does, and ours, which
# would then not apply, is left out. Patches without the line are always
# needed.
set -eu
patch=$1 tree=$2
line=$(sed -n 's/^Pvrcu-Needed-While: //p; /^---$/q' "$patch" | head -n1)
[ -n "$line" ] || exit 0
file=${line%% *}
text=${line#* }
[ -f "$tree/$file" ] || exit 0	# the dry run will say what is wrong
if grep -qF -- "$text" "$tree/$file"; then
	exit 0
fi
echo "qemu: ${patch##*/} is not needed: $file no longer has '$text' (fixed upstream)" >&2
exit 1
