#!/bin/sh
# Rebuild the call clips of the wall screen. Needs Debian's espeak-ng and sox
# (apt-get install -y espeak-ng sox libsox-fmt-all). Run from this folder.
set -eu
say() {  # say NAME TEXT: Mandarin voice, trimmed silence, mono 22.05 kHz Ogg Vorbis
  espeak-ng -v cmn -s 150 -w "/tmp/clip-$1.wav" "$2"
  sox "/tmp/clip-$1.wav" -r 22050 -c 1 -C 2 "$1.ogg" \
    silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse pad 0 0.04 norm -3
  rm -f "/tmp/clip-$1.wav"
}
say d0 零; say d1 一; say d2 二; say d3 三; say d4 四
say d5 五; say d6 六; say d7 七; say d8 八; say d9 九; say d10 十
for L in A B C D E F G H I J K L M N O P Q R S T U V W X Y Z; do
  say "l$L" "$L"
done
say qing 请
say hao 号
say dao 到
say window 号窗口办理
# Chime: two soft bell tones (E5 then C5) with a decay, synthesized.
sox -n -r 22050 -c 1 /tmp/chime-a.wav synth 0.9 sine 659.25 fade q 0.01 0.9 0.85 vol 0.5
sox -n -r 22050 -c 1 /tmp/chime-b.wav synth 1.2 sine 523.25 fade q 0.01 1.2 1.15 vol 0.5
sox /tmp/chime-a.wav /tmp/chime-b.wav -C 2 chime.ogg norm -3
# Alert (tablet cover request): three short higher beeps.
sox -n -r 22050 -c 1 /tmp/beep.wav synth 0.18 sine 880 fade q 0.01 0.18 0.05 pad 0 0.12
sox /tmp/beep.wav /tmp/beep.wav /tmp/beep.wav -C 2 alert.ogg norm -3
rm -f /tmp/chime-a.wav /tmp/chime-b.wav /tmp/beep.wav
