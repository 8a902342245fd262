#!/usr/bin/env bash
# scripts/run.sh - the main job on a fresh Debian 12 machine: install what is missing, build,
# train the default model on the embedded data/ml-latest-small, show its test RMSE beside the
# global-mean and bias baselines, recommend for an existing user and for a new visitor, export
# the web bundle and serve the web demo.
#   scripts/run.sh [--no-serve] [--port N]
set -euo pipefail
cd "$(dirname "$0")/.."
serve=1
port=8080
while [ $# -gt 0 ]; do
    case "$1" in
        --no-serve) serve=0 ;;
        --port) port=$2; shift ;;
        *) echo "usage: scripts/run.sh [--no-serve] [--port N]" >&2; exit 2 ;;
    esac
    shift
done

scripts/setup.sh
scripts/build.sh all
mfrec=build/mfrec
data=data/ml-latest-small
mkdir -p build/models

echo
echo "== Train: the list recommender (implicit ALS for the list, ALS with biases and a genre prior for the"
echo "   ratings) on $data (random 80/20 split, seed 42); the RMSE is the rating part's"
$mfrec train --data "$data" --split random:0.2 --seed 42 --baselines --out build/models/eval.mfm

echo
echo "== The model for recommendations: the same settings on all ratings"
$mfrec train --data "$data" --split none --seed 42 --quiet --out build/models/default.mfm

echo
echo "== Top 10 for existing user 1 (score: the list's order; predicted: the rating)"
$mfrec recommend --model build/models/default.mfm --user 1 -n 10

visitor="1:5,260:5,1196:5,2571:4.5,1210:4,296:1,356:2"
echo
echo "== Top 10 for a new visitor folded in from: Toy Story 5, Star Wars IV 5, V 5, The Matrix 4.5,"
echo "   Return of the Jedi 4, Pulp Fiction 1, Forrest Gump 2 (--rate \"$visitor\")"
$mfrec recommend --model build/models/default.mfm --rate "$visitor" -n 10

echo
echo "== Why: the exact decomposition of one pick (Star Wars: Episode I, movie 2628)"
$mfrec explain --model build/models/default.mfm --rate "$visitor" --movie 2628

echo
echo "== Web bundle"
$mfrec export-web --model build/models/default.mfm --out web/bundle | head -1

if [ "$serve" = 1 ]; then
    echo
    echo "== Web demo (Ctrl-C to stop)"
    exec scripts/serve.sh --port "$port"
fi
