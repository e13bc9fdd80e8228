#!/bin/sh
# get-lexicon.sh: obtain VADER's lexicon from the npm registry and correct it.
#
#   get-lexicon.sh CACHEDIR CORRECTIONS OUTPUT
#
# Fetches vader-sentiment@1.1.3 with `npm pack` into CACHEDIR (once: the
# tarball is kept and checked against its SHA-256), extracts its
# vader_lexicon.txt, applies CORRECTIONS (WORD<TAB>VALENCE lines: the four
# entries in which the npm file differs from vaderSentiment 3.3.2's) and
# writes OUTPUT atomically. Needs network only when CACHEDIR has no tarball.
set -eu
[ $# -eq 3 ] || { echo "usage: $0 CACHEDIR CORRECTIONS OUTPUT" >&2; exit 2; }
cache=$1 corr=$2 out=$3
pkg=vader-sentiment version=1.1.3
tgz="$cache/$pkg-$version.tgz"
sha=de3c50aee6ffe2bc7929f50a69b0a3905d7b63f6fb103c2397517aff799851d2

mkdir -p "$cache"
if [ ! -f "$tgz" ]; then
    command -v npm >/dev/null 2>&1 ||
        { echo "$0: npm is needed to fetch $pkg@$version (or put $tgz there)" >&2; exit 1; }
    (cd "$cache" && npm pack --silent "$pkg@$version" >/dev/null) ||
        { echo "$0: npm pack $pkg@$version failed (network?)" >&2; exit 1; }
fi
got=$(sha256sum "$tgz" | cut -d' ' -f1)
if [ "$got" != "$sha" ]; then
    echo "$0: $tgz: SHA-256 $got, expected $sha" >&2
    exit 1
fi

tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
tar -xzOf "$tgz" package/vader_lexicon.txt |
awk -F '\t' -v OFS='\t' -v corr="$corr" '
    BEGIN {
        while ((getline line < corr) > 0) {
            if (line ~ /^#/ || line == "") continue
            split(line, f, "\t")
            fix[f[1]] = f[2]; order[++n] = f[1]
        }
    }
    $1 in fix { $2 = fix[$1]; done[$1] = 1 }
    { print }
    END { for (i = 1; i <= n; i++) if (!(order[i] in done)) print order[i], fix[order[i]] }
' > "$tmp"
lines=$(wc -l < "$tmp")
[ "$lines" -gt 7000 ] || { echo "$0: lexicon has only $lines lines" >&2; exit 1; }
mv "$tmp" "$out"
trap - EXIT
