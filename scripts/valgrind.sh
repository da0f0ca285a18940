#!/usr/bin/env bash
# Run the mailbox, stress and test-kit suites of the runtime under valgrind memcheck.
#
# Our crates deny `unsafe`; this checks the lock-free code we build on (crossbeam-queue,
# atomic-waker, tokio) as our mailbox drives it. Needs valgrind (Debian: apt-get install valgrind).
# Usage: scripts/valgrind.sh            (exit status non-zero on any memcheck error)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed: apt-get install valgrind" >&2; exit 2; }

# Build the test binaries once, then run each under memcheck.
mapfile -t binaries < <(cargo test -p actor_system_runtime --release --no-run \
  --test mailbox --test stress --test messaging --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["kind"] == ["test"]:
        print(m["executable"])')

status=0
for bin in "${binaries[@]}"; do
  echo "== valgrind memcheck: $(basename "$bin")"
  if ! valgrind --tool=memcheck --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
      --quiet "$bin" --test-threads=1 -q; then
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "valgrind: no memcheck errors"
exit "$status"
