#!/usr/bin/env bash
# Training on YARN in cluster mode, data and model on HDFS (Spark 3.5, Hadoop 3.3).
#
# A worked example, not run by the tests: there is no YARN cluster here. Copy it, set the paths,
# run it from a machine with a Spark 3.5 installation and the cluster's Hadoop configuration.
#
#   SPARK_HOME=/opt/spark HADOOP_CONF_DIR=/etc/hadoop/conf conf/examples/yarn-cluster.sh
#
# ./spark-submit builds the job jar when needed (magnet-spark/target/magnet-spark-<version>-job.jar:
# Magnet, DL4J, ND4J with its linux-x86_64 oneDNN natives), submits it with conf/spark-defaults.conf
# (Kryo, the Java 17 options of driver and executors) and YARN ships it to the containers.
#
# Exit status: in cluster mode spark-submit reports only success (0) or failure (non-zero) of the
# application, not Magnet's distinct statuses (2 arguments, 3 input, 4 training, 5 --min-metric):
# the driver's log says which (yarn logs -applicationId <id>). Run with --deploy-mode client (the
# driver on this machine) when a pipeline must branch on them.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${SPARK_HOME:?set SPARK_HOME to a Spark 3.5 installation}"
: "${HADOOP_CONF_DIR:?set HADOOP_CONF_DIR to the cluster configuration (core-site.xml, yarn-site.xml)}"

# hdfs dfs -put /usr/share/datasets/fashion-mnist/*.gz /data/fashion-mnist/  (gzip or plain IDX)
DATA=hdfs:///data/fashion-mnist
RUN="$(date -u +%Y%m%d-%H%M%S)"
MODEL=hdfs:///models/magnet/fmnist/$RUN
CHECKPOINTS=hdfs:///checkpoints/magnet/fmnist  # --resume continues from here after a failure

# Executor memory: ND4J keeps arrays off the Java heap, so YARN's container must hold the heap
# (--executor-memory) plus ND4J's allowance (javacpp.maxbytes) plus Spark's own overhead. The
# extra JVM options add to conf/spark-defaults.conf's (set there as spark.executor.defaultJavaOptions).
# Logging: conf/log4j2.properties travels with --files into each container's working directory.
./spark-submit train \
  --master yarn --deploy-mode cluster --queue default --name "magnet-fmnist-$RUN" \
  --num-executors 4 --executor-cores 4 --executor-memory 8g --driver-memory 4g \
  --conf spark.executor.memoryOverhead=6g \
  --conf "spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.maxbytes=4G -Dlog4j2.configurationFile=log4j2.properties" \
  --conf "spark.driver.extraJavaOptions=-Dorg.bytedeco.javacpp.maxbytes=2G -Dlog4j2.configurationFile=log4j2.properties" \
  --conf spark.yarn.maxAppAttempts=1 \
  --files conf/log4j2.properties \
  @conf/train.args \
  --data "idx:$DATA/train-images-idx3-ubyte.gz,$DATA/train-labels-idx1-ubyte.gz" \
  --validation "idx:$DATA/t10k-images-idx3-ubyte.gz,$DATA/t10k-labels-idx1-ubyte.gz" \
  --epochs 10 --workers 16 \
  --checkpoint-dir "$CHECKPOINTS" \
  --output "$MODEL" \
  --min-metric knn1_accuracy=0.85
# --workers 16: one data-parallel worker per executor core (4 executors x 4 cores).
# After a failed attempt, the same command with --resume continues after the last checkpoint.

# Then, on the same cluster: the metrics of the saved model on the test split.
./spark-submit evaluate --master yarn --deploy-mode client --num-executors 2 --executor-memory 4g \
  --conf spark.executor.memoryOverhead=4g \
  --model "$MODEL" \
  --data "idx:$DATA/t10k-images-idx3-ubyte.gz,$DATA/t10k-labels-idx1-ubyte.gz" \
  --train-data "idx:$DATA/train-images-idx3-ubyte.gz,$DATA/train-labels-idx1-ubyte.gz" \
  --json "$MODEL-evaluation.json"
