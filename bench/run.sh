#!/usr/bin/env bash
# `make bench`: every benchmark, one after the other (they share 2 cores).
# Each script prints its own table; docs/benchmarks.md quotes them.
set -euo pipefail
cd "$(dirname "$0")/.."
bench/ingest.sh
bench/analyze.sh
bench/policy.sh
bench/simulate.sh
bench/report.sh
