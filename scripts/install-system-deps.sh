#!/usr/bin/env bash
# The Debian packages hcc uses, installed when missing (as root, with apt-get) and then
# checked by using each tool, not just by finding it: the Xtensa compiler, for one, is
# useless without its C library (picolibc), which a `command -v` check cannot see.
#
#   scripts/install-system-deps.sh          everything the test suite uses (make test, CI)
#   scripts/install-system-deps.sh demo     only what `make demo` uses (a C compiler, make)
#   scripts/install-system-deps.sh --check  check everything, install nothing
#
# Exits 0 when every tool works; otherwise prints one `error:` line per broken tool,
# naming the Debian package that provides it, and exits 1.
set -u

set_name=test
install=1
for arg in "$@"; do
  case "$arg" in
    demo) set_name=demo ;;
    test) set_name=test ;;
    --check) install=0 ;;
    *) echo "usage: $0 [demo|test] [--check]" >&2; exit 2 ;;
  esac
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The generated model.c includes <string.h>: every C compiler must find a C library.
printf '#include <string.h>\nint copy(char *d, const char *s) { memcpy(d, s, 4); return (int)strlen(s); }\n' > "$work/t.c"

# One line per tool: the Debian package(s) that provide it | the command proving it works.
demo_checks=(
  "gcc libc6-dev|gcc -std=c99 -c $work/t.c -o $work/gcc.o"
  "gcc|cc -std=c99 -c $work/t.c -o $work/cc.o"
  "make|make --version"
)
test_checks=(
  "${demo_checks[@]}"
  "clang|clang -std=c99 -c $work/t.c -o $work/clang.o"
  "cmake|cmake --version"
  "git|git --version"
  "gcc-xtensa-lx106 picolibc-xtensa-lx106-elf|xtensa-lx106-elf-gcc -std=c99 -mlongcalls -c $work/t.c -o $work/xtensa.o"
  "binutils-xtensa-lx106|xtensa-lx106-elf-nm --version"
  "qemu-system-misc|qemu-system-xtensa -M sim -cpu lx106 -machine help"
  "chromium|chromium --headless --no-sandbox --version"
)
if [ "$set_name" = demo ]; then checks=("${demo_checks[@]}"); else checks=("${test_checks[@]}"); fi

failed=()   # "package(s)|command|first line of its output"
run_checks() {
  failed=()
  local entry pkgs cmd out
  for entry in "${checks[@]}"; do
    pkgs=${entry%%|*}
    cmd=${entry#*|}
    if ! out=$(bash -c "$cmd" 2>&1 </dev/null); then
      failed+=("$pkgs|$cmd|$(printf '%s' "$out" | grep -m1 -iE 'error|not found|no such' || printf '%s' "$out" | head -n1)")
    fi
  done
}

run_checks
if [ ${#failed[@]} -gt 0 ] && [ "$install" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=$(for f in "${failed[@]}"; do echo "${f%%|*}"; done | tr ' ' '\n' | sort -u | tr '\n' ' ')
  echo "installing Debian packages: $need"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || echo "warning: apt-get update failed" >&2
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $need >/dev/null || echo "warning: apt-get install failed" >&2
  run_checks
fi

if [ ${#failed[@]} -gt 0 ]; then
  for f in "${failed[@]}"; do
    pkgs=${f%%|*}; rest=${f#*|}; cmd=${rest%%|*}; why=${rest#*|}
    echo "error: '$cmd' failed (${why:-no output}); install the Debian package(s): $pkgs" >&2
  done
  [ "$(id -u)" = 0 ] || echo "hint: run as root (or: sudo apt-get install ...) to install them" >&2
  exit 1
fi
echo "system tools for '$set_name': all present and working"
