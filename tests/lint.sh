#!/usr/bin/env bash
# Static checks on the source tree:
#  - includes follow cli -> reports -> analyzer, simulator -> core, and
#    analyzer and simulator never include each other;
#  - <module>_int.h headers are included only from their own folder;
#  - banned libc functions are not used;
#  - no system()/popen() anywhere (external programs go through fork/exec),
#    and no shell exec'd with -c (which would parse its argument);
#  - SQL text is only ever a string literal: values are bound, never
#    formatted into SQL (tests/faults/sql_literals.pl).
set -u
cd "$(dirname "$0")/.."
fail=0
allowed() { # layer -> layers it may include
    case "$1" in
    core) echo "core" ;;
    analyzer) echo "analyzer core" ;;
    simulator) echo "simulator core" ;;
    reports) echo "reports analyzer simulator core" ;;
    cli) echo "cli reports analyzer simulator core" ;;
    esac
}
for layer in core analyzer simulator reports cli; do
    ok=$(allowed $layer)
    for f in $(ls $layer/*.[ch] 2>/dev/null); do
        while IFS= read -r inc; do
            target=${inc%%/*}
            case " $ok " in
            *" $target "*) ;;
            *) echo "lint: $f includes \"$inc\" against the dependency direction"; fail=1 ;;
            esac
            case "$inc" in
            *_int.h) if [ "$target" != "$layer" ]; then
                echo "lint: $f includes internal header \"$inc\""; fail=1; fi ;;
            esac
        done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
    done
done
banned='\b(strcpy|strcat|strncpy|sprintf|vsprintf|strtok|atoi|atol|atof|gets|gmtime|localtime|ctime|asctime|system|popen)[[:space:]]*\('
hits=$(grep -nE "$banned" core/*.[ch] analyzer/*.[ch] simulator/*.[ch] reports/*.[ch] cli/*.[ch] 2>/dev/null | grep -v '^\S*:[0-9]*:\s*/\?\*' || true)
if [ -n "$hits" ]; then
    echo "lint: banned functions:"
    echo "$hits"
    fail=1
fi
shell=$(grep -nE '"(/bin/)?(ba|da)?sh"|"-c"' core/*.[ch] analyzer/*.[ch] simulator/*.[ch] reports/*.[ch] cli/*.[ch] 2>/dev/null || true)
if [ -n "$shell" ]; then
    echo "lint: a shell is run (exec a program directly instead):"
    echo "$shell"
    fail=1
fi
if ! tests/faults/sql_literals.pl core/*.c analyzer/*.c simulator/*.c reports/*.c cli/*.c; then
    fail=1
fi
if [ $fail = 0 ]; then
    echo "lint: 1 passed, 0 failed"
    echo "1 0" >"${LINT_COUNTS:-/dev/null}"
else
    echo "lint: 0 passed, 1 failed"
    echo "0 1" >"${LINT_COUNTS:-/dev/null}"
fi
exit $fail
