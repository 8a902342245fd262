#!/usr/bin/env bash
# download_movielens.sh NAME - download a MovieLens release from GroupLens into data/NAME.
#
#   NAME: ml-32m ml-25m ml-20m ml-10m ml-1m ml-100k ml-latest-small
#
# Fetches https://files.grouplens.org/datasets/movielens/NAME.zip and, when GroupLens publishes
# it, NAME.zip.md5, and checks the checksum. Everything happens in a temporary folder inside
# data/ that is renamed to data/NAME only when complete (ml-10m's folder ml-10M100K becomes
# data/ml-10m), so an interrupted or failed run never leaves a half-written data/NAME.
# Uses curl or wget, whichever exists, and unzip.
#
# Environment: MFREC_DATA_DIR (default: the repository's data/), MOVIELENS_BASE_URL (a mirror).
# Exit codes: 0 done (or already present), 1 failure (checksum, unzip, tools), 2 usage,
# 3 no network.
set -euo pipefail

BASE_URL=${MOVIELENS_BASE_URL:-https://files.grouplens.org/datasets/movielens}
HOST=$(printf '%s\n' "$BASE_URL" | sed -E 's#^[a-z]+://([^/:]+).*#\1#')
RELEASES="ml-32m ml-25m ml-20m ml-10m ml-1m ml-100k ml-latest-small"

say() { printf 'download_movielens: %s\n' "$*" >&2; }
die() { say "$2"; exit "$1"; }

usage() {
    cat >&2 <<EOF
usage: $(basename "$0") NAME
  NAME: $RELEASES
Downloads $BASE_URL/NAME.zip into data/NAME and checks its md5.
EOF
}

if [ $# -ne 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    usage
    [ $# -eq 1 ] && exit 0
    exit 2
fi
NAME=$1
case " $RELEASES " in
    *" $NAME "*) ;;
    *) usage; die 2 "unknown release '$NAME'" ;;
esac

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA=${MFREC_DATA_DIR:-$ROOT/data}
DEST=$DATA/$NAME

if [ -e "$DEST" ]; then
    say "$DEST already exists; nothing to do (remove it to download again)"
    exit 0
fi

# ---- tools
if command -v curl >/dev/null 2>&1; then
    TOOL=curl
elif command -v wget >/dev/null 2>&1; then
    TOOL=wget
else
    die 1 "neither curl nor wget is installed"
fi
command -v unzip >/dev/null 2>&1 || die 1 "unzip is not installed (apt-get install unzip)"
if command -v md5sum >/dev/null 2>&1; then
    md5_of() { md5sum "$1" | cut -d' ' -f1; }
elif command -v md5 >/dev/null 2>&1; then
    md5_of() { md5 -q "$1"; }
else
    die 1 "neither md5sum nor md5 is installed"
fi

# fetch URL FILE [progress]: 0 ok, 1 server unreachable, 2 the server answered with an error
fetch() {
    local url=$1 out=$2 progress=${3:-} rc=0
    if [ "$TOOL" = curl ]; then
        local show=(-s)  # quiet probe for the .md5
        [ -n "$progress" ] && show=(-sS)
        [ -n "$progress" ] && [ -t 2 ] && show=(-#)
        curl -fL "${show[@]}" --connect-timeout 20 --retry 2 -o "$out" "$url" || rc=$?
        case $rc in
            0) return 0 ;;
            5|6|7|28|35|52|55|56) return 1 ;;  # proxy/host unresolved, refused, timeout, TLS, reset
            *) return 2 ;;
        esac
    else
        local show=(-q)
        [ -n "$progress" ] && [ -t 2 ] && show=(-q --show-progress)
        wget "${show[@]}" -T 20 -t 2 -O "$out" "$url" || rc=$?
        case $rc in
            0) return 0 ;;
            4|5) return 1 ;;  # network failure, TLS failure
            *) return 2 ;;
        esac
    fi
}

mkdir -p "$DATA"
TMP=$(mktemp -d "$DATA/.download-$NAME.XXXXXX")
cleanup() { rm -rf "$TMP"; }
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM HUP

ZIP_URL=$BASE_URL/$NAME.zip

# ---- the published checksum (also tells whether the server can be reached at all)
EXPECTED=
rc=0
fetch "$ZIP_URL.md5" "$TMP/$NAME.zip.md5" || rc=$?
if [ $rc -eq 1 ]; then
    die 3 "no network: cannot reach $HOST"
elif [ $rc -eq 0 ]; then
    EXPECTED=$(grep -Eio '\b[0-9a-f]{32}\b' "$TMP/$NAME.zip.md5" | head -n1 | tr 'A-F' 'a-f' || true)
    [ -n "$EXPECTED" ] || say "warning: $ZIP_URL.md5 holds no md5 sum; the download cannot be verified"
else
    say "warning: GroupLens publishes no checksum for $NAME.zip ($ZIP_URL.md5 not found); the download cannot be verified"
fi

# ---- the archive
say "downloading $ZIP_URL"
rc=0
fetch "$ZIP_URL" "$TMP/$NAME.zip" progress || rc=$?
if [ $rc -eq 1 ]; then
    die 3 "no network: cannot reach $HOST"
elif [ $rc -ne 0 ]; then
    die 1 "download of $ZIP_URL failed"
fi

GOT=$(md5_of "$TMP/$NAME.zip")
if [ -n "$EXPECTED" ]; then
    if [ "$GOT" != "$EXPECTED" ]; then
        die 1 "checksum mismatch for $NAME.zip: expected $EXPECTED, got $GOT (nothing written)"
    fi
    say "md5 ok ($GOT)"
else
    say "md5 of the unverified download: $GOT"
fi

# ---- unpack into the temporary folder, then one rename
mkdir "$TMP/unpacked"
unzip -q "$TMP/$NAME.zip" -d "$TMP/unpacked" || die 1 "unzip of $NAME.zip failed (nothing written)"
shopt -s nullglob dotglob
entries=("$TMP/unpacked"/*)
shopt -u nullglob dotglob
if [ ${#entries[@]} -eq 1 ] && [ -d "${entries[0]}" ]; then
    SRC=${entries[0]}  # ml-latest-small/, ml-1m/, ml-10M100K/ (ml-10m), ...
else
    SRC=$TMP/unpacked
fi
[ -n "$(ls -A "$SRC")" ] || die 1 "$NAME.zip is empty (nothing written)"
if [ -e "$DEST" ]; then
    die 1 "$DEST appeared while downloading; left untouched"
fi
mv -T "$SRC" "$DEST" 2>/dev/null || mv "$SRC" "$DEST"
say "done: $DEST ($(ls "$DEST" | tr '\n' ' '))"
