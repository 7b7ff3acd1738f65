package dev.magnet.it.s3;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import com.amazonaws.services.s3.model.ListObjectsV2Request;
import com.amazonaws.services.s3.model.ListObjectsV2Result;
import com.amazonaws.services.s3.model.S3ObjectSummary;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * An S3 endpoint on 127.0.0.1 inside the test JVM: s3proxy ({@code org.gaul:s3proxy} 4.x) serving
 * the S3 REST API from its in-memory store, with AWS signature checking on (V2 or V4) for the
 * test's own key pair. It behaves as an object store does where Magnet's code notices: keys are
 * flat (a "directory" is a prefix or a marker object), rename is copy-then-delete done by the
 * client, nothing keeps Hadoop's {@code .crc} checksum files, and a PUT with
 * {@code If-None-Match: *} is refused with 412 when the key exists, atomically (its transient
 * store, Jimfs, links the object into place, and a link refuses an existing name).
 *
 * <p>s3proxy 4 runs on Jetty 12, the AWS SDK v2 and a Jackson of its own, none of which may meet
 * Spark's on one class path, so its jar with dependencies (copied by the build, system property
 * {@value #JAR_PROPERTY}) is loaded by a class loader of its own over the JDK's, and driven by
 * reflection. The test side talks to it as any S3 client would: S3A, and the AWS SDK v1 that
 * {@code hadoop-aws} brings ({@link #client()}).
 *
 * <p>{@link #hadoop()} is the S3A configuration a user would set for such an endpoint (path-style
 * access, plain HTTP, static keys), and {@link #sparkConfArguments()} the same as
 * {@code --conf spark.hadoop.*} arguments of {@code ./spark-submit}.
 */
final class S3Endpoint implements AutoCloseable {
  static final String ACCESS_KEY = "magnet-test-access";
  static final String SECRET_KEY = "magnet-test-secret";
  /** Where the build copied s3proxy's jar with dependencies (integration-tests/pom.xml). */
  static final String JAR_PROPERTY = "magnet.s3proxy.jar";

  private final URLClassLoader loader;
  private final Object proxy;
  private final int port;
  private final AmazonS3 client;

  private S3Endpoint(URLClassLoader loader, Object proxy, int port) {
    this.loader = loader;
    this.proxy = proxy;
    this.port = port;
    this.client = AmazonS3ClientBuilder.standard()
        .withEndpointConfiguration(new AwsClientBuilder.EndpointConfiguration(endpoint(), "us-east-1"))
        .withPathStyleAccessEnabled(true)
        .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials(ACCESS_KEY, SECRET_KEY)))
        .build();
  }

  /** Starts the endpoint on an ephemeral port with the given buckets. */
  static S3Endpoint start(String... buckets) throws Exception {
    Path jar = Path.of(System.getProperty(JAR_PROPERTY, "target/s3proxy/s3proxy.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("s3proxy's jar is missing: " + jar + " (the build's process-test-resources"
          + " phase copies it)");
    }
    URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(loader); // Jetty's and the SDK's service lookups, in the threads it starts
    try {
      Class<?> storeType = loader.loadClass("org.gaul.s3proxy.blobstore.BlobStore");
      Object store = loader.loadClass("org.gaul.s3proxy.BlobStores").getMethod("create", String.class,
          Properties.class).invoke(null, "transient", new Properties());
      for (String bucket : buckets) {
        storeType.getMethod("createContainer", String.class).invoke(store, bucket);
      }
      @SuppressWarnings({"unchecked", "rawtypes"})
      Class<? extends Enum> authentication = (Class<? extends Enum>) loader.loadClass(
          "org.gaul.s3proxy.auth.AuthenticationType");
      Object builder = loader.loadClass("org.gaul.s3proxy.S3Proxy").getMethod("builder").invoke(null);
      Class<?> builderType = builder.getClass();
      builderType.getMethod("blobStore", storeType).invoke(builder, store);
      builderType.getMethod("awsAuthentication", authentication, String.class, String.class)
          .invoke(builder, Enum.valueOf(authentication, "AWS_V2_OR_V4"), ACCESS_KEY, SECRET_KEY);
      builderType.getMethod("endpoint", URI.class).invoke(builder, URI.create("http://127.0.0.1:0"));
      Object proxy = builderType.getMethod("build").invoke(builder);
      proxy.getClass().getMethod("start").invoke(proxy);
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (!"STARTED".equals(proxy.getClass().getMethod("getState").invoke(proxy))) {
        if (System.nanoTime() > deadline) {
          proxy.getClass().getMethod("stop").invoke(proxy);
          loader.close();
          throw new IllegalStateException("s3proxy did not start");
        }
        Thread.sleep(10);
      }
      return new S3Endpoint(loader, proxy, (Integer) proxy.getClass().getMethod("getPort").invoke(proxy));
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  /** http://127.0.0.1:port */
  String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** S3A's settings for this endpoint. */
  Map<String, String> hadoop() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("fs.s3a.endpoint", endpoint());
    settings.put("fs.s3a.endpoint.region", "us-east-1");
    settings.put("fs.s3a.path.style.access", "true");
    settings.put("fs.s3a.connection.ssl.enabled", "false");
    settings.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    settings.put("fs.s3a.access.key", ACCESS_KEY);
    settings.put("fs.s3a.secret.key", SECRET_KEY);
    // A misconfigured endpoint fails the test in seconds instead of retrying for minutes.
    settings.put("fs.s3a.attempts.maximum", "2");
    settings.put("fs.s3a.retry.limit", "2");
    settings.put("fs.s3a.retry.interval", "100ms");
    settings.put("fs.s3a.connection.establish.timeout", "5000");
    return settings;
  }

  /** {@link #hadoop()} as Spark properties ({@code spark.hadoop.<key>}). */
  Map<String, String> spark() {
    Map<String, String> settings = new LinkedHashMap<>();
    hadoop().forEach((k, v) -> settings.put("spark.hadoop." + k, v));
    return settings;
  }

  /** {@link #spark()} as {@code --conf k=v} arguments. */
  List<String> sparkConfArguments() {
    List<String> args = new ArrayList<>();
    spark().forEach((k, v) -> {
      args.add("--conf");
      args.add(k + "=" + v);
    });
    return args;
  }

  /** An S3 client of the endpoint outside Hadoop (the AWS SDK v1 of {@code hadoop-aws}), for requests S3A does not make. */
  AmazonS3 client() {
    return client;
  }

  /** Every key in a bucket under {@code prefix} (recursively), as the object store holds them. */
  List<String> keys(String bucket, String prefix) {
    List<String> keys = new ArrayList<>();
    ListObjectsV2Request request = new ListObjectsV2Request().withBucketName(bucket).withPrefix(prefix);
    ListObjectsV2Result page;
    do {
      page = client.listObjectsV2(request);
      for (S3ObjectSummary object : page.getObjectSummaries()) {
        keys.add(object.getKey());
      }
      request.setContinuationToken(page.getNextContinuationToken());
    } while (page.isTruncated());
    return keys;
  }

  @Override
  public void close() throws Exception {
    try {
      client.shutdown();
      proxy.getClass().getMethod("stop").invoke(proxy);
    } finally {
      loader.close();
    }
  }
}
