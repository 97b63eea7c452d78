#!/usr/bin/env bash
# Fuzz the YAML -> spec -> diagnostics -> plan path with libFuzzer (and AddressSanitizer).
#   fuzz/run.sh [SECONDS]     default 60; exits non-zero on any crash, leak, timeout or OOM
# The target is the package fuzz/Package.swift, which takes the modules from ../Package.swift;
# only it is built with -sanitize=fuzzer (into .build-fuzz). First every input in
# fuzz/regressions/ (past crashes) is replayed once; then the timed run starts from a corpus of
# specs/, Tests/Fixtures/invalid/ and fuzz/regressions/. A crash is written to fuzz/crashes/:
# once fixed, move it to fuzz/regressions/ so that it is replayed on every run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=.build-fuzz
fuzzer="$out/release/fuzz-spec"
mkdir -p fuzz/crashes "$out/corpus"
# libFuzzer's own crash report: Swift's backtracer, run under AddressSanitizer, adds a
# heap-use-after-free report of its own (in CrashHandlerLinux.cpp) that is not nsspec's.
export SWIFT_BACKTRACE=enable=no
swift build --package-path fuzz -c release --scratch-path "$out" --product fuzz-spec -Xswiftc -sanitize=fuzzer,address

# Past crashes: each must now run clean (libFuzzer runs files given by name once each).
regressions=()
for f in fuzz/regressions/*; do
  case "$(basename "$f")" in README*) continue ;; esac
  [ -f "$f" ] && regressions+=("$f")
done
if [ ${#regressions[@]} -gt 0 ]; then
  echo "fuzz: replaying ${#regressions[@]} regression input(s) from fuzz/regressions/"
  "$fuzzer" -timeout=5 -rss_limit_mb=2048 "${regressions[@]}"
  cp "${regressions[@]}" "$out/corpus/"
else
  echo "fuzz: no regression inputs in fuzz/regressions/"
fi

cp specs/*.yaml Tests/Fixtures/invalid/*.yaml "$out/corpus/"
"$fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix=fuzz/crashes/ -dict=fuzz/yaml.dict "$out/corpus"
