#!/usr/bin/env bash
# Magnet against the PyTorch yardstick (../shared/peers/torch_magnet.py) on Fashion-MNIST, in one
# sitting on the same machine, interleaved (peer, Magnet, peer) so that a change in the machine's
# load shows as a gap between the two peer runs: one epoch each with fmnist-cnn, K=8, M=12, D=4,
# on the first N training images (default 20000) (docs/benchmarks.md).
# Usage: docs/benchmark.sh [N [extra train options...]]    PEER=path overrides the peer script.
# Needs: apt-get install python3-torch python3-sklearn dataset-fashion-mnist
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT="${1:-20000}"  # training examples; the peer and Magnet see the same first N
shift || true
PEER="${PEER:-../shared/peers/torch_magnet.py}"
mkdir -p out/bench
peer() {
  echo "peer:   $(date -u +%H:%M:%S)"
  /usr/bin/python3 "$PEER" --epochs 1 --limit "$LIMIT" | tee -a out/bench/peer.json
}
: > out/bench/peer.json
peer
echo "magnet: $(date -u +%H:%M:%S)"
./spark-submit train --data fashion-mnist --limit "$LIMIT" --epochs 1 --output out/bench/magnet --overwrite "$@" 2>&1 \
  | grep -v "Added differentiated op" | tee out/bench/magnet.log | grep "SparkMagnetTrainer - epoch"
peer
echo "done:   $(date -u +%H:%M:%S)"
