#!/usr/bin/env bash
# Training on Kubernetes in cluster mode, data and model on S3 (s3a://), GPU executors (Spark 3.5).
#
# A worked example. No Kubernetes cluster runs here; the integration test
# (integration-tests: dev.magnet.it.k8s.KubernetesExampleTest) runs this script against stand-ins
# for Spark's spark-submit and kubectl, puts its submission through Spark 3.5's own argument parsing
# and submit preparation, checks every property against Spark's, and has Spark build the executor
# pod from the template. It assumes:
#  - a Spark 3.5 installation on this machine (SPARK_HOME) and kubectl access to the cluster;
#  - an image with Spark 3.5.9 for Java 17 plus Hadoop's S3 connector, e.g. built with Spark's
#    bin/docker-image-tool.sh after adding hadoop-aws-3.3.4.jar and aws-java-sdk-bundle-1.12.262.jar
#    (the versions Spark 3.5's Hadoop 3.3.4 expects) to $SPARK_HOME/jars;
#  - a service account "spark" allowed to create pods in the namespace;
#  - the S3 connector on this machine too (same two jars in $SPARK_HOME/jars): spark-submit uploads
#    the job jar to spark.kubernetes.file.upload.path, from where the driver fetches it.
#
# GPUs: ND4J uses CUDA where its CUDA backend is in the job jar and a GPU is visible, and its CPU
# backend otherwise. Build the job jar with `mvn -Pcuda -DskipTests package` (adds nd4j-cuda-11.6
# and the CUDA 11.6 runtime: a much larger jar; baking those jars into the image instead is
# lighter). ND4J 1.0.0-M2.1's kernels cover Kepler...Ada (sm_37-sm_86), not Hopper (H100/H200).
#
# Exit status: in cluster mode spark-submit reports the submission, not Magnet's distinct statuses
# (2 arguments, 3 input, 4 training, 5 --min-metric); read the driver pod's:
#   kubectl -n "$NAMESPACE" get pod "$DRIVER" -o jsonpath='{.status.containerStatuses[0].state.terminated.exitCode}'
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${SPARK_HOME:?set SPARK_HOME to a Spark 3.5 installation}"

API_SERVER=https://kubernetes.example.com:6443
NAMESPACE=ml
IMAGE=registry.example.com/spark:3.5.9-java17-s3a
BUCKET=s3a://example-ml
RUN="$(date -u +%Y%m%d-%H%M%S)"
DRIVER="magnet-fmnist-$RUN-driver"

# Per executor: 1 GPU, 4 cores; each task takes the whole GPU (one data-parallel worker per
# executor). The discovery script ships with Spark (examples/src/main/scripts/getGpusResources.sh,
# in the image under /opt/spark) and prints the GPUs nvidia-smi sees. ND4J's arrays live off the
# Java heap: memoryOverhead holds them (javacpp.maxbytes caps them).
./spark-submit train \
  --master "k8s://$API_SERVER" --deploy-mode cluster --name "magnet-fmnist-$RUN" \
  --conf spark.kubernetes.namespace="$NAMESPACE" \
  --conf spark.kubernetes.container.image="$IMAGE" \
  --conf spark.kubernetes.authenticate.driver.serviceAccountName=spark \
  --conf spark.kubernetes.driver.pod.name="$DRIVER" \
  --conf spark.kubernetes.executor.podTemplateFile=conf/examples/kubernetes-executor-pod.yaml \
  --conf spark.kubernetes.file.upload.path="$BUCKET/spark-uploads" \
  --conf spark.executor.instances=4 \
  --conf spark.executor.cores=4 --executor-memory 8g \
  --conf spark.executor.memoryOverhead=8g \
  --driver-memory 4g \
  --conf spark.executor.resource.gpu.amount=1 \
  --conf spark.executor.resource.gpu.vendor=nvidia.com \
  --conf spark.executor.resource.gpu.discoveryScript=/opt/spark/examples/src/main/scripts/getGpusResources.sh \
  --conf spark.task.resource.gpu.amount=1 \
  --conf "spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.cachedir=/scratch/javacpp -Dorg.bytedeco.javacpp.maxbytes=6G" \
  --conf spark.hadoop.fs.s3a.aws.credentials.provider=com.amazonaws.auth.WebIdentityTokenCredentialsProvider \
  @conf/train.args \
  --data "idx:$BUCKET/fashion-mnist/train-images-idx3-ubyte.gz,$BUCKET/fashion-mnist/train-labels-idx1-ubyte.gz" \
  --validation "idx:$BUCKET/fashion-mnist/t10k-images-idx3-ubyte.gz,$BUCKET/fashion-mnist/t10k-labels-idx1-ubyte.gz" \
  --epochs 10 --workers 4 \
  --checkpoint-dir "$BUCKET/checkpoints/magnet-fmnist" \
  --output "$BUCKET/models/magnet-fmnist/$RUN" \
  --min-metric knn1_accuracy=0.85

status="$(kubectl -n "$NAMESPACE" get pod "$DRIVER" \
  -o jsonpath='{.status.containerStatuses[0].state.terminated.exitCode}')"
echo "driver $DRIVER exited with status $status"
exit "$status"
