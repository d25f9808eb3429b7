#!/usr/bin/env bash
# deps.sh: install the Debian packages vramtop's build and tests need. Idempotent:
# installs only what is missing, so a second run costs a dpkg query and nothing else.
set -euo pipefail
pkgs=(build-essential meson ninja-build pkg-config
      libncurses-dev zlib1g-dev libcjson-dev libcurl4-openssl-dev libmicrohttpd-dev
      libcmocka-dev libutf8proc-dev prometheus librsvg2-bin clang libclang-rt-14-dev valgrind python3 tmux
      cppcheck clang-tidy clang-format
      passwd)  # useradd: the deep-mode test's second real user
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#pkgs[@]} packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
