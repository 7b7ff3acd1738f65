#!/usr/bin/env bash
# Evaluates every trained Fashion-MNIST model on the test set (k-NN against the training set).
cd "$(dirname "$0")/.."
for run in magnet-fine magnet-coarse softmax-fine softmax-coarse triplet-fine triplet-coarse; do
  [[ -d out/fmnist/$run ]] || continue
  extra=""; [[ $run == *coarse ]] && extra="--fine-labels-from fashion-mnist"
  echo "=== $run $(date -u +%H:%M:%S)"
  ./spark-submit evaluate --model out/fmnist/$run --data fashion-mnist-test --train-data fashion-mnist $extra \
    --json out/fmnist/$run-eval.json > out/fmnist/$run-eval.log 2>&1
  echo "rc=$?"
done
