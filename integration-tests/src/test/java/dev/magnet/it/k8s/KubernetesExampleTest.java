package dev.magnet.it.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.it.SparkHome;
import dev.magnet.spark.cli.MagnetCli;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.spark.SecurityManager;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.SparkSubmit;
import org.apache.spark.deploy.SparkSubmitArguments;
import org.apache.spark.deploy.k8s.KubernetesConf$;
import org.apache.spark.deploy.k8s.KubernetesExecutorConf;
import org.apache.spark.deploy.k8s.KubernetesUtils;
import org.apache.spark.deploy.k8s.SparkPod;
import org.apache.spark.internal.config.ConfigEntry$;
import org.apache.spark.launcher.SparkLauncher;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfile$;
import org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Option;
import scala.Tuple2;
import scala.Tuple4;
import scala.collection.JavaConverters;

/**
 * conf/examples/kubernetes.sh and its pod template, checked against Spark 3.5's own Kubernetes
 * code ({@code spark-kubernetes_2.12}), since no cluster runs here.
 *
 * <p>The script runs as it is, with {@code SPARK_HOME} pointing at a stand-in whose
 * {@code bin/spark-submit} records its arguments, and a stand-in {@code kubectl} that answers
 * the driver pod's exit code. So the arguments are exactly what the repository's
 * {@code ./spark-submit} would hand to Spark's (options split, {@code @conf/train.args}
 * expanded, {@code conf/spark-defaults.conf} as the properties file). They then go through
 * Spark's {@code SparkSubmitArguments} and {@code SparkSubmit.prepareSubmitEnvironment} (what
 * spark-submit does before it contacts the API server), every resulting property must be one
 * Spark defines (or a resource, executor-environment or S3A key), Magnet's options must parse, and
 * Spark's {@code KubernetesExecutorBuilder} must build an executor pod from the template that
 * has the GPU, the memory, the template's volume under ND4J's cache directory and Magnet's JVM
 * options. What is not tested: the image, the API server, RBAC, the GPU nodes and S3 itself.
 */
class KubernetesExampleTest {
  private static final Path SCRIPT = SparkHome.REPOSITORY.resolve("conf/examples/kubernetes.sh");
  private static final Path TEMPLATE = SparkHome.REPOSITORY.resolve("conf/examples/kubernetes-executor-pod.yaml");
  /** Per-name Spark properties that are not ConfigEntries: resources, executor environment, Hadoop. */
  private static final Pattern RESOURCE = Pattern.compile("spark\\.(driver|executor|task)\\.resource\\.[a-z0-9.-]+\\."
      + "(amount|vendor|discoveryScript)");

  @TempDir
  static Path tmp;
  /** The arguments the script's ./spark-submit handed to Spark's spark-submit. */
  private static List<String> submitted;
  /** The kubectl arguments the script ran, and its exit status. */
  private static List<String> kubectl;
  private static int status;
  private static KubernetesClient client;

  @BeforeAll
  static void runTheExample() throws Exception {
    Path home = Files.createDirectories(tmp.resolve("spark-home/bin"));
    executable(home.resolve("spark-submit"), "printf '%s\\0' \"$@\" > \"$SPARK_HOME/submitted\"");
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    executable(bin.resolve("kubectl"), "printf '%s\\0' \"$@\" > \"$SPARK_HOME/kubectl\"; echo 0");
    ProcessBuilder builder = new ProcessBuilder(SCRIPT.toString()).directory(tmp.toFile()).redirectErrorStream(true);
    builder.environment().put("SPARK_HOME", tmp.resolve("spark-home").toString());
    builder.environment().put("PATH", bin + File.pathSeparator + System.getenv("PATH"));
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().put("MAGNET_NO_BUILD", "1");
    Path log = tmp.resolve("kubernetes.log");
    Process process = builder.redirectOutput(log.toFile()).start();
    assertTrue(process.waitFor(2, TimeUnit.MINUTES), "conf/examples/kubernetes.sh hung");
    status = process.exitValue();
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(0, status, output);
    submitted = nulSeparated(tmp.resolve("spark-home/submitted"));
    kubectl = nulSeparated(tmp.resolve("spark-home/kubectl"));
    assertTrue(output.contains("exited with status 0"), output);
    client = new KubernetesClientBuilder().build();
  }

  @AfterAll
  static void close() {
    if (client != null) {
      client.close();
    }
  }

  private static void executable(Path file, String body) throws IOException {
    Files.writeString(file, "#!/usr/bin/env bash\n" + body + "\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static List<String> nulSeparated(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    return Arrays.asList(text.substring(0, text.length() - 1).split("\0", -1));
  }

  /** The arguments before the job jar (Spark's) and after it (Magnet's). */
  private static int jobJarIndex() {
    for (int i = 0; i < submitted.size(); i++) {
      if (submitted.get(i).endsWith("-job.jar")) {
        return i;
      }
    }
    throw new AssertionError("no job jar among " + submitted);
  }

  /** Spark's parse and preparation of the example's submission: the properties it would send to the cluster. */
  private static SparkConf prepared() {
    return prepare(submitted);
  }

  /** Spark's {@code SparkSubmitArguments} and {@code prepareSubmitEnvironment} of spark-submit arguments. */
  private static SparkConf prepare(List<String> arguments) {
    SparkSubmitArguments parsed = new SparkSubmitArguments(JavaConverters.asScalaBuffer(arguments).toList(),
        scala.collection.immutable.Map$.MODULE$.empty());
    Tuple4<?, ?, SparkConf, String> environment = new SparkSubmit().prepareSubmitEnvironment(parsed, Option.empty());
    assertEquals("org.apache.spark.deploy.k8s.submit.KubernetesClientApplication", environment._4(),
        "Spark submits this as a Kubernetes cluster-mode application");
    return environment._3();
  }

  private static Set<String> keys(SparkConf conf) {
    return Arrays.stream(conf.getAll()).map(Tuple2::_1).collect(Collectors.toSet());
  }

  @Test
  void everyPropertyIsOneSparkDefines() throws Exception {
    // Spark's configuration objects register their entries when first used.
    for (String holder : List.of("org.apache.spark.internal.config.package$", "org.apache.spark.internal.config.Kryo$",
        "org.apache.spark.deploy.k8s.Config$")) {
      Class.forName(holder).getField("MODULE$").get(null);
    }
    Set<String> s3aKeys = new HashSet<>();
    for (var field : Class.forName("org.apache.hadoop.fs.s3a.Constants").getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
        s3aKeys.add((String) field.get(null));
      }
    }
    // Keys Spark's launcher names as constants (e.g. spark.driver.defaultJavaOptions, which
    // ConfigEntries only prepend), and those spark-submit sets itself for any such submission.
    Set<String> launcherKeys = new HashSet<>();
    for (var field : SparkLauncher.class.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
        launcherKeys.add((String) field.get(null));
      }
    }
    Set<String> ownKeys = keys(prepare(List.of("--master", "k8s://https://127.0.0.1:6443", "--deploy-mode", "cluster",
        "--class", MagnetCli.class.getName(), submitted.get(jobJarIndex()))));
    SparkConf conf = prepared();
    List<String> unknown = new ArrayList<>();
    for (Tuple2<String, String> kv : conf.getAll()) {
      String key = kv._1();
      boolean known = ConfigEntry$.MODULE$.findEntry(key) != null || launcherKeys.contains(key) || ownKeys.contains(key)
          || RESOURCE.matcher(key).matches()
          || key.startsWith("spark.executorEnv.") || key.startsWith("spark.yarn.appMasterEnv.")
          || key.startsWith("spark.kubernetes.driverEnv.")
          || key.startsWith("spark.hadoop.") && s3aKeys.contains(key.substring("spark.hadoop.".length()));
      if (!known) {
        unknown.add(key);
      }
    }
    assertEquals(List.of(), unknown, "properties Spark 3.5 does not define (a typo is silently ignored by Spark)");
    assertEquals("k8s://https://kubernetes.example.com:6443", conf.get("spark.master"));
    assertEquals("cluster", conf.get("spark.submit.deployMode"));
    // The credentials provider S3A is told to use exists in the AWS SDK bundle Hadoop 3.3.4 takes.
    String provider = conf.get("spark.hadoop.fs.s3a.aws.credentials.provider");
    assertNotNull(Class.forName(provider), provider);
  }

  @Test
  void magnetsOptionsParse() {
    List<String> app = submitted.subList(jobJarIndex() + 1, submitted.size());
    assertEquals("train", app.get(0));
    StringWriter err = new StringWriter();
    var parsed = MagnetCli.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err))
        .parseArgs(app.toArray(String[]::new));
    assertTrue(parsed.hasSubcommand(), app.toString());
    assertTrue(parsed.subcommand().hasMatchedOption("--checkpoint-dir"), app.toString());
    assertTrue(parsed.subcommand().matchedOption("--data").originalStringValues().get(0).startsWith("idx:s3a://"),
        app.toString());
  }

  /** The script's status line reads the driver pod the submission names. */
  @Test
  void theStatusIsReadFromTheDriverPodTheSubmissionNames() {
    SparkConf conf = prepared();
    String driver = conf.get("spark.kubernetes.driver.pod.name");
    assertEquals(List.of("-n", conf.get("spark.kubernetes.namespace"), "get", "pod", driver, "-o",
        "jsonpath={.status.containerStatuses[0].state.terminated.exitCode}"), kubectl);
  }

  /**
   * Spark's executor pod from the example's properties and template: the template's container,
   * node selector, toleration, environment and volume survive; Spark adds the GPU limit, the
   * memory (heap plus overhead) and the JVM options, which include conf/spark-defaults.conf's
   * Java 17 options and ND4J's cache directory on the template's volume.
   */
  @Test
  void sparkBuildsTheExecutorPodFromTheTemplate() throws Exception {
    SparkConf conf = prepared();
    String templateKey = "spark.kubernetes.executor.podTemplateFile";
    // Relative to where spark-submit runs (the repository root), which reads it and ships it.
    conf.set(templateKey, SparkHome.REPOSITORY.resolve(conf.get(templateKey)).toString());
    ResourceProfile$.MODULE$.clearDefaultProfile();
    SparkPod pod;
    try {
      ResourceProfile profile = ResourceProfile$.MODULE$.getOrCreateDefaultProfile(conf);
      KubernetesExecutorConf executor = KubernetesConf$.MODULE$.createExecutorConf(conf, "1", "spark-test-app",
          Option.empty(), profile.id());
      SecurityManager security = new SecurityManager(conf, Option.empty(),
          org.apache.spark.internal.config.package$.MODULE$.AUTH_SECRET_FILE());
      pod = new KubernetesExecutorBuilder().buildFromFeatures(executor, security, client, profile).pod();
    } finally {
      ResourceProfile$.MODULE$.clearDefaultProfile();
    }
    Container container = pod.container();
    assertEquals("executor", container.getName(), "the template's container is the executor's");
    assertEquals(conf.get("spark.kubernetes.container.image"), container.getImage());
    assertEquals(new Quantity("1"), container.getResources().getLimits().get("nvidia.com/gpu"));
    assertEquals(new Quantity("16384Mi"), container.getResources().getRequests().get("memory"),
        "--executor-memory 8g plus spark.executor.memoryOverhead=8g");
    assertEquals(new Quantity("4"), container.getResources().getRequests().get("cpu"));
    Map<String, String> env = container.getEnv().stream().filter(e -> e.getValue() != null)
        .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue, (a, b) -> a));
    assertEquals("eu-west-1", env.get("AWS_REGION"), "the template's environment");
    assertEquals("1", env.get("OMP_NUM_THREADS"), "conf/spark-defaults.conf's executor environment");
    List<String> javaOptions = env.entrySet().stream().filter(e -> e.getKey().startsWith("SPARK_JAVA_OPT_"))
        .map(Map.Entry::getValue).toList();
    assertTrue(javaOptions.containsAll(SparkHome.java17Options()), "the Java 17 options reach the executors: "
        + javaOptions);
    String cacheDir = javaOptions.stream().filter(o -> o.startsWith("-Dorg.bytedeco.javacpp.cachedir="))
        .findFirst().orElseThrow(() -> new AssertionError("ND4J's cache directory: " + javaOptions))
        .substring("-Dorg.bytedeco.javacpp.cachedir=".length());
    List<String> mounts = container.getVolumeMounts().stream().map(VolumeMount::getMountPath).toList();
    assertTrue(mounts.stream().anyMatch(m -> cacheDir.startsWith(m + "/")),
        "ND4J unpacks its natives onto the template's volume: " + cacheDir + " under one of " + mounts);
    Pod spec = pod.pod();
    assertEquals("true", spec.getSpec().getNodeSelector().get("nvidia.com/gpu.present"));
    assertEquals("nvidia.com/gpu", spec.getSpec().getTolerations().get(0).getKey());
    assertEquals("magnet", spec.getMetadata().getLabels().get("app.kubernetes.io/name"));
    assertTrue(spec.getSpec().getVolumes().stream().anyMatch(v -> v.getName().equals("scratch")
        && v.getEmptyDir() != null), spec.getSpec().getVolumes().toString());
  }

  /** Every field of the template is one Kubernetes defines: a misspelt one would be dropped silently. */
  @Test
  void theTemplateHasNoUnknownFields() throws Exception {
    SparkPod pod = KubernetesUtils.loadPodFromTemplate(client, TEMPLATE.toString(), Option.empty(), new SparkConf(false));
    List<String> unknown = new ArrayList<>();
    unknownFields(pod.pod(), "pod", unknown);
    unknownFields(pod.container(), "container", unknown);
    assertEquals(List.of(), unknown);

    // The check sees a misspelling: the same template with "volumeMount:" for "volumeMounts:".
    Path misspelt = tmp.resolve("misspelt.yaml");
    Files.writeString(misspelt, Files.readString(TEMPLATE).replace("volumeMounts:", "volumeMount:"));
    List<String> found = new ArrayList<>();
    SparkPod wrong = KubernetesUtils.loadPodFromTemplate(client, misspelt.toString(), Option.empty(),
        new SparkConf(false));
    unknownFields(wrong.pod(), "pod", found);
    unknownFields(wrong.container(), "container", found);
    assertEquals(List.of("container: [volumeMount]"), found);
  }

  /** Walks a fabric8 model object: its additionalProperties hold what the model does not know. */
  private static void unknownFields(Object node, String path, List<String> unknown)
      throws IllegalAccessException, InvocationTargetException {
    if (node == null) {
      return;
    }
    if (node instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        unknownFields(item, path + "[" + i++ + "]", unknown);
      }
      return;
    }
    if (node instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        unknownFields(e.getValue(), path + "." + e.getKey(), unknown);
      }
      return;
    }
    if (!node.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : node.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
        continue;
      }
      Object value = getter.invoke(node);
      if (getter.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          unknown.add(path + ": " + extra.keySet());
        }
      } else {
        unknownFields(value, path + "." + getter.getName().substring(3), unknown);
      }
    }
  }
}
