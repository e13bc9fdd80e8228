#!/bin/sh
# gen-emoji.sh: build VADER's emoji lexicon from Unicode's emoji-test.txt.
#
#   gen-emoji.sh [EMOJI-TEST.TXT] > emoji_utf8_lexicon.txt
#
# Does what vaderSentiment's own builder (additional_resources/
# build_emoji_lexicon.py) did with emoji-test.txt 11.0: every data line,
# whatever its status (fully-qualified, minimally-qualified, unqualified,
# component), gives "EMOJI<TAB>CLDR short name", the name as Unicode writes
# it ("grinning face", "OK button"). Newer files put the emoji version
# before the name ("# 😀 E1.0 grinning face"); it is dropped. The default
# input is Debian's unicode-data copy.
set -eu
in=${1:-/usr/share/unicode/emoji/emoji-test.txt}
[ -r "$in" ] || { echo "$0: cannot read $in (install Debian's unicode-data)" >&2; exit 1; }
LC_ALL=C awk '
    /^[ \t]*#/ || !/;/ { next }
    {
        h = index($0, "#")
        if (h == 0) next
        n = split(substr($0, h + 1), f, /[ \t]+/)
        # f[1] is empty (the blank after "#"), f[2] the emoji
        i = 3
        if (f[i] ~ /^E[0-9]+\.[0-9]+$/) i++
        name = f[i]
        for (i++; i <= n; i++) if (f[i] != "") name = name " " f[i]
        if (f[2] != "" && name != "") print f[2] "\t" name
    }
' "$in"
