#!/bin/sh
# Runs each make target given as an argument as one test step and prints the total.
# A step whose output ends with "N passed, M failed" contributes those counts; any other step
# counts as one test, passed or failed by its exit status.
# An argument a+b+c runs the steps a, b and c side by side (fixed-duration, single-threaded steps
# such as the short fuzz runs) and reports each as usual.
total_p=0; total_f=0; failed_steps=""
mkdir -p build/steps
run() {   # step: runs it, leaves its status and seconds in build/steps/STEP.rc
    start=$(date +%s)
    if ${MAKE:-make} --no-print-directory -s "$1" >"build/steps/$1.log" 2>&1; then rc=0; else rc=1; fi
    echo "$rc $(( $(date +%s) - start ))" > "build/steps/$1.rc"
}
report() {   # step
    step=$1; log="build/steps/$step.log"
    read -r rc secs < "build/steps/$step.rc"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
        [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1   # a crash after the summary still fails
    elif [ "$rc" -eq 0 ]; then p=1; f=0; else p=0; f=1; fi
    total_p=$((total_p + p)); total_f=$((total_f + f))
    if [ "$f" -ne 0 ]; then
        status=FAIL; failed_steps="$failed_steps $step"
        tail -n 30 "$log" | sed 's/^/    | /'
    else status=ok; fi
    printf '%-28s %4s  (%s passed, %s failed, %ss)\n' "$step" "$status" "$p" "$f" "$secs"
}
for arg in "$@"; do
    steps=$(echo "$arg" | tr '+' ' ')
    for step in $steps; do run "$step" & done
    wait
    for step in $steps; do report "$step"; done
done
[ -n "$failed_steps" ] && echo "failed steps:$failed_steps (logs in build/steps/)"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
