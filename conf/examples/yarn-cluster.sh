#!/usr/bin/env bash
# Training on YARN in cluster mode, data, checkpoints and model on HDFS, then an evaluation in
# client mode (Spark 3.5, Hadoop 3.3). Run it from a machine with a Spark 3.5 installation and the
# cluster's Hadoop configuration:
#
#   SPARK_HOME=/opt/spark HADOOP_CONF_DIR=/etc/hadoop/conf conf/examples/yarn-cluster.sh [SPARK OPTIONS]
#
# SPARK OPTIONS go to both submissions, e.g. --properties-file with your cluster's
# spark-defaults.conf: ./spark-submit passes conf/spark-defaults.conf to Spark, which then skips
# $SPARK_HOME/conf/spark-defaults.conf, and merges the file you pass after it. The settings below
# come from the environment, with defaults for 4 executors of 4 cores; the integration test
# (integration-tests: dev.magnet.it.yarn.YarnTest) runs this script as it is, against Hadoop's
# MiniYARNCluster with small ones.
#
# ./spark-submit builds the job jar when needed (magnet-spark/target/magnet-spark-<version>-job.jar:
# Magnet, DL4J, ND4J with its linux-x86_64 oneDNN natives), submits it with conf/spark-defaults.conf
# (Kryo, the Java 17 options of driver and executors) and YARN ships it to the containers.
#
# Exit status: Magnet's (0; 2 arguments, 3 input, 4 training, 5 --min-metric) in both deploy modes.
# In cluster mode spark-submit itself reports only whether the application succeeded; when it
# failed, spark-submit prints YARN's diagnostics, where the driver's status is ("User application
# exited with status N"), and this script exits with N. A failure without one (the application
# master killed, the queue refused the application) exits with spark-submit's status, 1; the
# driver's log says more (yarn logs -applicationId <id>).
#
# Resuming: the checkpoints of run $RUN go to $CHECKPOINT_ROOT/$RUN, and training always passes
# --resume-if-present (a new run finds no checkpoint and starts at epoch 1; plain --resume would
# refuse a directory without one). After a failure, run the script
# again with the same RUN: it continues after the last complete epoch.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${SPARK_HOME:?set SPARK_HOME to a Spark 3.5 installation}"
: "${HADOOP_CONF_DIR:?set HADOOP_CONF_DIR to the cluster configuration (core-site.xml, yarn-site.xml)}"

# hdfs dfs -put /usr/share/datasets/fashion-mnist/*.gz /data/fashion-mnist/  (gzip or plain IDX)
DATA="${DATA:-hdfs:///data/fashion-mnist}"
RUN="${RUN:-$(date -u +%Y%m%d-%H%M%S)}"
MODEL_ROOT="${MODEL_ROOT:-hdfs:///models/magnet/fmnist}"
CHECKPOINT_ROOT="${CHECKPOINT_ROOT:-hdfs:///checkpoints/magnet/fmnist}"
QUEUE="${QUEUE:-default}"
NUM_EXECUTORS="${NUM_EXECUTORS:-4}"
EXECUTOR_CORES="${EXECUTOR_CORES:-4}"
EXECUTOR_MEMORY="${EXECUTOR_MEMORY:-8g}"
EXECUTOR_OVERHEAD="${EXECUTOR_OVERHEAD:-6g}"
DRIVER_MEMORY="${DRIVER_MEMORY:-4g}"
EPOCHS="${EPOCHS:-10}"
WORKERS="${WORKERS:-16}"               # one data-parallel worker per executor core (4 executors x 4 cores)
MIN_METRIC="${MIN_METRIC:-knn1_accuracy=0.85}"
MODEL="$MODEL_ROOT/$RUN"

# ./spark-submit "$@", its output also kept; exits with the driver's status when it fails.
submit() {
  local log status driver
  log="$(mktemp "${TMPDIR:-/tmp}/magnet-yarn.XXXXXX.log")"
  set +e
  ./spark-submit "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  set -e
  if (( status != 0 )); then
    driver="$(sed -n 's/.*User application exited with status \([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)"
    echo "yarn-cluster.sh: ./spark-submit $1 failed (status $status); the driver's status: ${driver:-none}" >&2
    rm -f "$log"
    exit "${driver:-$status}"
  fi
  rm -f "$log"
}

# Executor memory: ND4J keeps arrays off the Java heap, so YARN's container must hold the heap
# (--executor-memory) plus ND4J's allowance (javacpp.maxbytes) plus Spark's own overhead. The
# extra JVM options add to conf/spark-defaults.conf's (set there as spark.executor.defaultJavaOptions).
# Logging: conf/log4j2.properties travels with --files into each container's working directory.
# One attempt: YARN's retry would rerun a run that failed for good (exit 2, 3 or 5) and find its
# output; rerun the script instead (see Resuming).
submit train \
  --master yarn --deploy-mode cluster --queue "$QUEUE" --name "magnet-fmnist-$RUN" \
  --num-executors "$NUM_EXECUTORS" --executor-cores "$EXECUTOR_CORES" \
  --executor-memory "$EXECUTOR_MEMORY" --driver-memory "$DRIVER_MEMORY" \
  --conf spark.executor.memoryOverhead="$EXECUTOR_OVERHEAD" \
  --conf "spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.maxbytes=4G -Dlog4j2.configurationFile=log4j2.properties" \
  --conf "spark.driver.extraJavaOptions=-Dorg.bytedeco.javacpp.maxbytes=2G -Dlog4j2.configurationFile=log4j2.properties" \
  --conf spark.yarn.maxAppAttempts=1 \
  --files conf/log4j2.properties \
  "$@" \
  @conf/train.args \
  --data "idx:$DATA/train-images-idx3-ubyte.gz,$DATA/train-labels-idx1-ubyte.gz" \
  --validation "idx:$DATA/t10k-images-idx3-ubyte.gz,$DATA/t10k-labels-idx1-ubyte.gz" \
  --epochs "$EPOCHS" --workers "$WORKERS" \
  --checkpoint-dir "$CHECKPOINT_ROOT/$RUN" --resume-if-present \
  --output "$MODEL" \
  --min-metric "$MIN_METRIC"

# Then, on the same cluster: the metrics of the saved model on the test split.
submit evaluate --master yarn --deploy-mode client --queue "$QUEUE" --name "magnet-fmnist-$RUN-evaluate" \
  --num-executors "$NUM_EXECUTORS" --executor-cores "$EXECUTOR_CORES" \
  --executor-memory "$EXECUTOR_MEMORY" --conf spark.executor.memoryOverhead="$EXECUTOR_OVERHEAD" \
  "$@" \
  --model "$MODEL" \
  --data "idx:$DATA/t10k-images-idx3-ubyte.gz,$DATA/t10k-labels-idx1-ubyte.gz" \
  --train-data "idx:$DATA/train-images-idx3-ubyte.gz,$DATA/train-labels-idx1-ubyte.gz" \
  --json "$MODEL-evaluation.json"
