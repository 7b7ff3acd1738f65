#!/usr/bin/env bash
# Magnet against the PyTorch yardstick (../shared/peers/torch_magnet.py) on Fashion-MNIST, in one
# sitting on the same machine: one epoch each with fmnist-cnn, K=8, M=12, D=4, on the first N
# training images (default 20000) (docs/benchmarks.md). Usage: docs/benchmark.sh [N]
# Needs: apt-get install python3-torch python3-sklearn dataset-fashion-mnist
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT="${1:-20000}"  # training examples; the peer and Magnet see the same first N
mkdir -p out/bench
echo "peer:   $(date -u +%H:%M:%S)"
/usr/bin/python3 ../shared/peers/torch_magnet.py --epochs 1 --limit "$LIMIT" | tee out/bench/peer.json
echo "magnet: $(date -u +%H:%M:%S)"
./spark-submit train --data fashion-mnist --limit "$LIMIT" --epochs 1 --output out/bench/magnet --overwrite 2>&1 \
  | grep -v "Added differentiated op" | tee out/bench/magnet.log | grep "SparkMagnetTrainer - epoch"
echo "done:   $(date -u +%H:%M:%S)"
