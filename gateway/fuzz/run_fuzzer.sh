#!/usr/bin/env bash
# Builds the gateway's request fuzzer with clang (libFuzzer + ASan + UBSan) against an
# existing dev build tree, and runs it for a while from the seeds in the repository.
#
#   gateway/fuzz/run_fuzzer.sh <build-dir> [seconds=20] [extra libFuzzer flags...]
#
# The main build uses g++; only the fuzzer and the code under test (path templates, route
# table, transcoder) are compiled with clang and instrumented; the rest (generated protos,
# comptoir_common, gRPC, protobuf, Abseil) is linked from the build tree, taking the link
# line of unit_transcoder_test so the libraries stay those CMake found.
# Exit 77 (CTest SKIP_RETURN_CODE) when clang or libFuzzer is missing or the build tree
# lacks the test binary's link step.
set -euo pipefail

build=${1:?usage: run_fuzzer.sh <build-dir> [seconds] [libFuzzer flags...]}
seconds=${2:-20}
shift $(( $# >= 2 ? 2 : 1 ))
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "$build" && pwd)
out="$build/gateway/fuzz"
mkdir -p "$out/corpus"

clang=${CLANGXX:-$(command -v clang++ || true)}
if [[ -z $clang ]]; then
  echo "SKIP: clang++ not found (apt-get install clang)"; exit 77
fi
probe="$out/probe.cc"
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' >"$probe"
if ! "$clang" -fsanitize=fuzzer "$probe" -o "$out/probe" 2>/dev/null; then
  echo "SKIP: $clang cannot build libFuzzer targets"; exit 77
fi

link=$(ninja -C "$build" -t commands unit_transcoder_test 2>/dev/null | tail -n 1 || true)
if [[ $link != *unit_transcoder_test* ]]; then
  echo "SKIP: no unit_transcoder_test link step in $build (configure the dev preset)"; exit 77
fi
# Libraries and objects of the test's link line, minus the test itself and GoogleTest.
libs=()
for word in $link; do
  case $word in
    :|'&&'|-o|*/unit_transcoder_test|*transcoder_test.cc.o|*/c++|*/g++|-g|-O*) ;;
    *gtest*|*gmock*) ;;
    -Wl,*|-l*|-L*|*.a|*.so|*.so.*|*.o|-pthread) libs+=("$word") ;;
  esac
done
# The clang-built objects define these; the archive's g++ copies must not be pulled in.
filtered=()
for word in "${libs[@]}"; do
  case $word in
    *comptoir_gateway_lib*) ;;
    *) filtered+=("$word") ;;
  esac
done

flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -DBOOST_BEAST_USE_STD_STRING_VIEW -DBOOST_ALL_NO_LIB
       -I"$src/gateway" -I"$src/services/common/include" -isystem "$build/proto/gen")
binary="$out/request_fuzzer"
sources=("$here/request_fuzzer.cc" "$src/gateway/path_template.cc" "$src/gateway/route_table.cc"
         "$src/gateway/transcoder.cc" "$src/gateway/json_writer.cc" "$src/gateway/wire_json.cc")
newest=$(ls -t "${sources[@]}" "$0" 2>/dev/null | head -n 1)
if [[ ! -x $binary || $newest -nt $binary ]]; then
  echo "building $binary"
  objs=()
  for s in "${sources[@]}"; do
    o="$out/$(basename "$s" .cc).o"
    "$clang" "${flags[@]}" -c "$s" -o "$o"
    objs+=("$o")
  done
  (cd "$build" && "$clang" -fsanitize=fuzzer,address,undefined "${objs[@]}" "${filtered[@]}" \
     -o "$binary")
fi

# New inputs go to the scratch corpus; the seeds in the repo are only read.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
  "$binary" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/" "$@" "$out/corpus" "$here/seeds"
