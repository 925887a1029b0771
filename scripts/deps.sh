#!/usr/bin/env bash
# deps.sh - make sure the Debian packages parlogit builds, tests and fetches with
# are installed.  As root it installs what is missing with apt-get; otherwise it
# prints the exact command to run and fails.  Quiet when nothing is missing.
set -euo pipefail

pkgs=(gcc make pkg-config libhwloc-dev check libsubunit-dev libinih-dev zlib1g-dev libisal-dev
      libpng-dev libjpeg-dev libexif-dev libjansson-dev
      # one run over many ranks (src/dist/): Open MPI's library and mpirun
      libopenmpi-dev openmpi-bin
      python3-numpy python3-sklearn python3-pil curl ca-certificates
      # make test-race and make fuzz: clang with ThreadSanitizer, libFuzzer and the
      # sanitizers (libclang-rt), LLVM's libomp with Archer
      clang libclang-rt-14-dev libomp-dev
      # pictures: PLplot with its cairo (PNG) driver and a font for the labels;
      # Chromium opens report.html headless in the tests
      libplplot-dev plplot-driver-cairo fonts-dejavu-core chromium)
# Extra packages a caller wants (e.g. PARLOGIT_EXTRA_DEPS="chromium").
read -r -a extra <<< "${PARLOGIT_EXTRA_DEPS:-}"
pkgs+=("${extra[@]}")

missing=()
for p in "${pkgs[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
    [[ "$status" == ii* ]] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "parlogit: missing packages: ${missing[*]}" >&2
    echo "parlogit: install them with:  sudo apt-get update && sudo $cmd" >&2
    exit 1
fi
echo "parlogit: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
