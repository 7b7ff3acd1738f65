#!/usr/bin/env bash
# Trains Magnet, softmax and triplet on Fashion-MNIST, fine and coarse labels, 3 epochs each (docs/results.md).
cd "$(dirname "$0")/.."
for spec in "magnet fine" "magnet coarse" "softmax fine" "softmax coarse" "triplet fine" "triplet coarse"; do
  set -- $spec; loss=$1; task=$2
  extra=""; [[ $task == coarse ]] && extra="--coarse fashion-mnist"
  echo "=== $loss $task $(date -u +%H:%M:%S)"
  start=$(date +%s)
  ./spark-submit train --data fashion-mnist --validation fashion-mnist-test --loss $loss $extra --epochs 3 \
    --output out/fmnist/$loss-$task --overwrite > out/fmnist/$loss-$task.log 2>&1
  echo "rc=$? seconds=$(( $(date +%s) - start ))"
done
echo "=== done $(date -u +%H:%M:%S)"
