#!/usr/bin/env bash
# scripts/format.sh [--check] - clang-format (Debian 12: clang-format 14, .clang-format at the root)
# over every *.cpp and *.h in core/ native/ wasm/ tests/ (tracked files and new untracked ones).
#   scripts/format.sh            format in place
#   scripts/format.sh --check    change nothing; list the files that are not formatted, exit 1 if any
# CLANG_FORMAT=/path/to/clang-format overrides the binary (default: clang-format-14, else clang-format).
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
case "${1:-}" in
    --check) check=1 ;;
    "") ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: scripts/format.sh [--check]" >&2; exit 2 ;;
esac

cf=${CLANG_FORMAT:-}
if [ -z "$cf" ]; then
    if command -v clang-format-14 >/dev/null 2>&1; then cf=clang-format-14
    elif command -v clang-format >/dev/null 2>&1; then cf=clang-format
    else echo "format.sh: clang-format not found (scripts/setup.sh installs it)" >&2; exit 1
    fi
fi
[ -f .clang-format ] || { echo "format.sh: .clang-format missing at the repository root" >&2; exit 1; }

dirs=(core native wasm tests)
files=()
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    while IFS= read -r -d '' f; do
        [ -f "$f" ] && files+=("$f")
    done < <(git ls-files -z --cached --others --exclude-standard -- "${dirs[@]/%//*.cpp}" "${dirs[@]/%//*.h}")
else
    while IFS= read -r -d '' f; do files+=("$f"); done < <(find "${dirs[@]}" -type f \( -name '*.cpp' -o -name '*.h' \) -print0 2>/dev/null)
fi
[ ${#files[@]} -gt 0 ] || { echo "format.sh: no sources found" >&2; exit 1; }

if [ "$check" = 0 ]; then
    "$cf" -i --style=file "${files[@]}"
    echo "format.sh: formatted ${#files[@]} files with $("$cf" --version | sed 's/.*version \([0-9.]*\).*/clang-format \1/')"
    exit 0
fi

# one clang-format process for all files; the diagnostics name each offending file
out=$("$cf" --style=file --dry-run --Werror "${files[@]}" 2>&1) && rc=0 || rc=$?
if [ "$rc" -ne 0 ]; then
    mapfile -t bad < <(printf '%s\n' "$out" | sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' | sort -u)
    sed -n 1,30p <<<"$out" >&2
    if [ ${#bad[@]} -eq 0 ]; then
        echo "format.sh: clang-format failed (exit $rc)" >&2
        exit 1
    fi
    printf 'format.sh: %d of %d files are not clang-formatted (fix: scripts/format.sh):\n' "${#bad[@]}" "${#files[@]}" >&2
    printf '  %s\n' "${bad[@]}" >&2
    exit 1
fi
echo "format.sh: ${#files[@]} files clang-formatted"
