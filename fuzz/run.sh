#!/usr/bin/env bash
# Fuzz the YAML -> spec -> diagnostics path with libFuzzer (and AddressSanitizer).
#   fuzz/run.sh [SECONDS]     default 60; crashes are written to fuzz/crashes/
# The corpus starts from specs/ and Tests/Fixtures/invalid/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=.build-fuzz
mkdir -p "$out" fuzz/crashes "$out/corpus"
flags=(-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6)
swiftc "${flags[@]}" -module-name Diagnostics -emit-module -emit-module-path "$out/Diagnostics.swiftmodule" \
  -emit-library -static -o "$out/libDiagnostics.a" Sources/Diagnostics/*.swift
swiftc "${flags[@]}" -I "$out" -I Sources/CYAML -module-name SpecFormat -emit-module -emit-module-path "$out/SpecFormat.swiftmodule" \
  -emit-library -static -o "$out/libSpecFormat.a" $(find Sources/SpecFormat -name '*.swift')
swiftc "${flags[@]}" -I "$out" -I Sources/CYAML -module-name Validation -emit-module -emit-module-path "$out/Validation.swiftmodule" \
  -emit-library -static -o "$out/libValidation.a" Sources/Validation/*.swift
swiftc "${flags[@]}" -I "$out" -I Sources/CYAML -L "$out" -lValidation -lSpecFormat -lDiagnostics -lyaml \
  -o "$out/fuzz-spec" fuzz/FuzzSpec.swift
cp specs/*.yaml Tests/Fixtures/invalid/*.yaml "$out/corpus/" 2>/dev/null || true
"$out/fuzz-spec" -max_total_time="$seconds" -max_len=4096 -timeout=5 -rss_limit_mb=2048 \
  -artifact_prefix=fuzz/crashes/ -dict=fuzz/yaml.dict "$out/corpus"
