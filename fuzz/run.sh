#!/usr/bin/env bash
# Fuzz the YAML -> spec -> diagnostics path with libFuzzer (and AddressSanitizer).
#   fuzz/run.sh [SECONDS]     default 60; crashes are written to fuzz/crashes/
# The target is the package fuzz/Package.swift, which takes the modules from ../Package.swift;
# only it is built with -sanitize=fuzzer (into .build-fuzz). The corpus starts from specs/ and
# Tests/Fixtures/invalid/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=.build-fuzz
mkdir -p fuzz/crashes "$out/corpus"
swift build --package-path fuzz -c release --scratch-path "$out" --product fuzz-spec -Xswiftc -sanitize=fuzzer,address
cp specs/*.yaml Tests/Fixtures/invalid/*.yaml "$out/corpus/" 2>/dev/null || true
"$out/release/fuzz-spec" -max_total_time="$seconds" -max_len=4096 -timeout=5 -rss_limit_mb=2048 \
  -artifact_prefix=fuzz/crashes/ -dict=fuzz/yaml.dict "$out/corpus"
