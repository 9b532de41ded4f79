#!/usr/bin/env bash
# Differential testing of gostack with Csmith.
#
# For each seed S..S+N-1: generate a program with csmith, build it with plain clang (the
# reference) and with gostack-clang at each optimization level, run everything under `timeout`,
# and compare the gostack builds' stdout (Csmith prints one "checksum = ..." line) and exit status
# with the plain build's at the same level, once normally and once with GOSTACK_MOVESTACK=1 (a
# stack move at every instrumented function entry: every pointer into the stack must be
# relocated, every time), with GOSTACK_DEBUG=verifymove (old stacks quarantined, so a pointer
# that was not relocated faults when used).
#
# A program whose plain build does not compile, crashes, exits non-zero or times out is skipped.
# Any gostack build that fails to compile, crashes, times out or prints something else fails.
#
# Usage: run-csmith.sh --bin DIR --count N [--seed S] [--work DIR] [--opt "-O0 -O2"]
#                      [--timeout SECS] [--keep] [--jobs J] [--cc CLANG]
#                      [--csmith-opts "..."] [--no-movestack]
#   --bin DIR        directory holding gostack-clang (e.g. build/bin)
#   --count N        number of programs (seeds S .. S+N-1)
#   --seed S         first seed (default 1)
#   --work DIR       where programs and binaries go (default: a fresh mktemp -d); per-seed
#                    directories of failures are always kept, passing/skipped ones are deleted
#                    unless --keep
#   --opt "LEVELS"   optimization levels (default "-O0 -O2")
#   --timeout SECS   time limit of the plain run (default 5); a gostack run gets 4x that, a
#                    GOSTACK_MOVESTACK=1 run 20x (csmith, and every compile, get 60 s)
#   --keep           keep every per-seed directory
#   --jobs J         programs tested in parallel (default 1)
#   --cc CLANG       the plain reference compiler (default clang-19, or clang)
#   --csmith-opts S  csmith options (default "--max-funcs 8 --max-block-depth 4")
#   --no-movestack   skip the GOSTACK_MOVESTACK=1 runs
#
# Output: one line per mismatch ("csmith: FAIL seed=... ; reproduce: ...") on stdout, then
# exactly one summary line "csmith: N passed, N failed, N skipped". Every 100 programs a
# progress line goes to stderr. Exit status 1 if anything failed, 2 on usage errors or missing
# tools, else 0.

set -u

die() {
  echo "run-csmith.sh: $*" >&2
  exit 2
}

bin=
count=
seed=1
work=
opts="-O0 -O2"
tmo=5
keep=0
jobs=1
cc=
csmith_opts="--max-funcs 8 --max-block-depth 4"
movestack=1

while [ $# -gt 0 ]; do
  case $1 in
  --bin) bin=${2-}; shift 2 || die "--bin needs a value" ;;
  --count) count=${2-}; shift 2 || die "--count needs a value" ;;
  --seed) seed=${2-}; shift 2 || die "--seed needs a value" ;;
  --work) work=${2-}; shift 2 || die "--work needs a value" ;;
  --opt) opts=${2-}; shift 2 || die "--opt needs a value" ;;
  --timeout) tmo=${2-}; shift 2 || die "--timeout needs a value" ;;
  --keep) keep=1; shift ;;
  --jobs) jobs=${2-}; shift 2 || die "--jobs needs a value" ;;
  --cc) cc=${2-}; shift 2 || die "--cc needs a value" ;;
  --csmith-opts) csmith_opts=${2-}; shift 2 || die "--csmith-opts needs a value" ;;
  --no-movestack) movestack=0; shift ;;
  -h | --help) sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
  *) die "unknown argument '$1' (see --help)" ;;
  esac
done

[ -n "$bin" ] || die "--bin is required"
[ -n "$count" ] || die "--count is required"
case $count in '' | *[!0-9]*) die "--count must be a number" ;; esac
case $seed in '' | *[!0-9]*) die "--seed must be a number" ;; esac
case $jobs in '' | *[!0-9]* | 0) die "--jobs must be a positive number" ;; esac
case $tmo in '' | *[!0-9.]*) die "--timeout must be a number of seconds" ;; esac
[ -n "$opts" ] || die "--opt needs at least one level"

bin=$(cd "$bin" 2>/dev/null && pwd) || die "no such directory: --bin"
gcc_=$bin/gostack-clang
[ -x "$gcc_" ] || die "$gcc_ not found or not executable"
command -v csmith >/dev/null || die "csmith not found (apt-get install csmith libcsmith-dev)"
command -v timeout >/dev/null || die "timeout (coreutils) not found"
csmith_inc=/usr/include/csmith
[ -f "$csmith_inc/csmith.h" ] || die "$csmith_inc/csmith.h not found (libcsmith-dev)"
if [ -z "$cc" ]; then
  if command -v clang-19 >/dev/null; then cc=clang-19; else cc=clang; fi
fi
command -v "$cc" >/dev/null || die "plain compiler '$cc' not found"

own_work=0
if [ -z "$work" ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/gostack-csmith.XXXXXX") || die "mktemp failed"
  own_work=1
fi
mkdir -p "$work" || die "cannot create $work"
work=$(cd "$work" && pwd)
results=$work/results.$$
: >"$results"

# Timeouts: gostack runs may be slower (and much slower with a move at every entry).
tmo_gs=$(awk -v t="$tmo" 'BEGIN { print t * 4 }')
tmo_move=$(awk -v t="$tmo" 'BEGIN { print t * 20 }')
tmo_build=60

# Nothing from the caller's environment changes the runtime's behaviour behind our back.
unset GOSTACK_MOVESTACK GOSTACK_MAXSTACK GOSTACK_STACK_MIN GOSTACK_MAIN_TASK
export GOSTACK_SYMBOLIZE=0

# Runs "$@" under timeout; stdout to $out, stderr to $err; echoes "rc" (124 = timed out).
run_to() {
  local t=$1 out=$2 err=$3
  shift 3
  timeout -k 5 "$t" "$@" >"$out" 2>"$err"
  echo $?
}

describe_rc() {
  case $1 in
  0) echo "exit 0" ;;
  124 | 137) echo "timed out" ;;
  *) if [ "$1" -gt 128 ]; then echo "killed by signal $(($1 - 128))"; else echo "exit $1"; fi ;;
  esac
}

# Tests one seed; appends "pass|fail|skip <seed>" to $results and prints FAIL lines.
test_seed() {
  local s=$1
  local d=$work/seed-$s
  local status=pass
  rm -rf "$d"
  mkdir -p "$d"
  local gen="csmith --seed $s $csmith_opts -o prog.c"
  # shellcheck disable=SC2086 # csmith_opts is a list of options
  if ! (cd "$d" && timeout "$tmo_build" csmith --seed "$s" $csmith_opts -o prog.c \
      >csmith.log 2>&1) || [ ! -s "$d/prog.c" ]; then
    echo "skip $s" >>"$results"
    [ $keep = 1 ] || rm -rf "$d"
    return
  fi
  local o tag rc prc why repro
  # The references first: a program any plain build cannot run is skipped as a whole.
  for o in $opts; do
    tag=${o#-}
    if ! timeout "$tmo_build" "$cc" -w -I"$csmith_inc" "$o" "$d/prog.c" -o "$d/plain$tag" \
        >"$d/plain$tag.build.log" 2>&1; then
      status=skip
      break
    fi
    prc=$(run_to "$tmo" "$d/plain$tag.out" "$d/plain$tag.err" "$d/plain$tag")
    if [ "$prc" != 0 ]; then
      status=skip
      break
    fi
  done
  if [ $status = skip ]; then
    echo "skip $s" >>"$results"
    [ $keep = 1 ] || rm -rf "$d"
    return
  fi
  for o in $opts; do
    tag=${o#-}
    repro="cd $d && $gen && $gcc_ -w -I$csmith_inc $o prog.c -o gs$tag"
    if ! timeout "$tmo_build" "$gcc_" -w -I"$csmith_inc" "$o" "$d/prog.c" -o "$d/gs$tag" \
        >"$d/gs$tag.build.log" 2>&1; then
      echo "csmith: FAIL seed=$s opt=$o: gostack-clang failed to compile (see $d/gs$tag.build.log); reproduce: $repro"
      status=fail
      continue
    fi
    rc=$(run_to "$tmo_gs" "$d/gs$tag.out" "$d/gs$tag.err" "$d/gs$tag")
    if [ "$rc" != 0 ] || ! cmp -s "$d/plain$tag.out" "$d/gs$tag.out"; then
      why=$(describe_rc "$rc")
      [ "$rc" = 0 ] && why="stdout differs: $(head -c 80 "$d/gs$tag.out" | tr '\n' ' ')vs $(head -c 80 "$d/plain$tag.out" | tr '\n' ' ')"
      echo "csmith: FAIL seed=$s opt=$o mode=normal: $why; reproduce: $repro && ./gs$tag"
      status=fail
    fi
    if [ $movestack = 1 ]; then
      rc=$(run_to "$tmo_move" "$d/gs$tag.move.out" "$d/gs$tag.move.err" \
        env GOSTACK_MOVESTACK=1 GOSTACK_DEBUG=verifymove "$d/gs$tag")
      if [ "$rc" != 0 ] || ! cmp -s "$d/plain$tag.out" "$d/gs$tag.move.out"; then
        why=$(describe_rc "$rc")
        [ "$rc" = 0 ] && why="stdout differs: $(head -c 80 "$d/gs$tag.move.out" | tr '\n' ' ')vs $(head -c 80 "$d/plain$tag.out" | tr '\n' ' ')"
        echo "csmith: FAIL seed=$s opt=$o mode=movestack: $why; reproduce: $repro && GOSTACK_MOVESTACK=1 GOSTACK_DEBUG=verifymove ./gs$tag"
        status=fail
      fi
    fi
  done
  echo "$status $s" >>"$results"
  if [ $status != fail ] && [ $keep = 0 ]; then
    rm -rf "$d"
  fi
}

last=$((seed + count - 1))
running=0
for ((s = seed; s <= last; s++)); do
  if [ "$jobs" -gt 1 ]; then
    test_seed "$s" &
    running=$((running + 1))
    if [ $running -ge "$jobs" ]; then
      wait -n
      running=$((running - 1))
    fi
  else
    test_seed "$s"
  fi
  done_=$((s - seed + 1))
  if [ $((done_ % 100)) = 0 ] && [ "$done_" != "$count" ]; then
    echo "csmith: progress: $done_/$count started; so far $(grep -c '^pass ' "$results") passed," \
      "$(grep -c '^fail ' "$results") failed, $(grep -c '^skip ' "$results") skipped" >&2
  fi
done
wait

passed=$(grep -c '^pass ' "$results")
failed=$(grep -c '^fail ' "$results")
skipped=$(grep -c '^skip ' "$results")
rm -f "$results"
if [ $own_work = 1 ] && [ "$failed" = 0 ] && [ $keep = 0 ]; then
  rmdir "$work" 2>/dev/null || true
elif [ "$failed" != 0 ]; then
  echo "csmith: failing programs kept under $work" >&2
fi
echo "csmith: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] || exit 1
exit 0
