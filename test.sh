#!/usr/bin/env bash
# Runs the whole test suite and ends with one line "N passed, N failed, N skipped".
# The provider fixture corpus is found through SWITCHYARD_FIXTURES (default ../shared/fixtures).
# The storage tests start a throw-away PostgreSQL from Debian's binaries: installed here when missing and run as root
# (SWITCHYARD_TEST_POSTGRES, a connection string, points them at an existing server instead).
# The published-program tests build the native-AOT gateway, which links with gcc (or clang) against zlib: installed here
# when missing, as root.
set -uo pipefail
cd "$(dirname "$0")"

apt_updated=0
apt_install() {
  [ "$apt_updated" -eq 1 ] || { apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" > /dev/null
}

if { ! command -v gcc > /dev/null && ! command -v clang > /dev/null; } || [ ! -e /usr/include/zlib.h ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get > /dev/null; then
    echo "Installing gcc and zlib1g-dev for the native-AOT publish..."
    apt_install gcc libc6-dev zlib1g-dev
  else
    echo "gcc (or clang) and zlib1g-dev are missing: the published-program tests will fail."
  fi
fi

if [ -z "${SWITCHYARD_TEST_POSTGRES:-}" ] && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get > /dev/null; then
    echo "Installing PostgreSQL for the storage tests..."
    apt_install postgresql
  else
    echo "PostgreSQL is not installed: the PostgreSQL storage tests will skip (they fail under CI=true)."
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test --project tests/Switchyard.Tests -c Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

value() { grep -E "^\s*$1:\s*[0-9]+" "$log" | tail -n 1 | grep -oE '[0-9]+' || echo 0; }
passed=$(value succeeded)
failed=$(value failed)
skipped=$(value skipped)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "dotnet test exited with $status before reporting failures (build error or crash)."
  failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
