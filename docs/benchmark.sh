#!/usr/bin/env bash
# Magnet against the PyTorch yardstick (../shared/peers/torch_magnet.py) on Fashion-MNIST, in one
# sitting on the same machine: one epoch each with fmnist-cnn, K=8, M=12, D=4 (docs/benchmarks.md).
# Needs: apt-get install python3-torch python3-sklearn dataset-fashion-mnist
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out/bench
echo "peer:   $(date -u +%H:%M:%S)"
/usr/bin/python3 ../shared/peers/torch_magnet.py --epochs 1 | tee out/bench/peer.json
echo "magnet: $(date -u +%H:%M:%S)"
./spark-submit train --data fashion-mnist --epochs 1 --output out/bench/magnet --overwrite 2>&1 \
  | grep -v "Added differentiated op" | tee out/bench/magnet.log | grep "SparkMagnetTrainer - epoch"
echo "done:   $(date -u +%H:%M:%S)"
