package dev.magnet.it.s3;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;

/**
 * An S3 endpoint on 127.0.0.1 inside the test JVM: s3proxy ({@code org.gaul:s3proxy}) serving the
 * S3 REST API from jclouds' in-memory blob store, with AWS signature checking on (V2 or V4) for
 * the test's own key pair. It behaves as an object store does where Magnet's code notices: keys
 * are flat (a "directory" is a prefix or a marker object), rename is copy-then-delete done by the
 * client, and nothing keeps Hadoop's {@code .crc} checksum files.
 *
 * <p>{@link #hadoop()} is the S3A configuration a user would set for such an endpoint (path-style
 * access, plain HTTP, static keys), and {@link #sparkConfArguments()} the same as
 * {@code --conf spark.hadoop.*} arguments of {@code ./spark-submit}.
 */
final class S3Endpoint implements AutoCloseable {
  static final String ACCESS_KEY = "magnet-test-access";
  static final String SECRET_KEY = "magnet-test-secret";

  private final BlobStoreContext context;
  private final S3Proxy proxy;

  private S3Endpoint(BlobStoreContext context, S3Proxy proxy) {
    this.context = context;
    this.proxy = proxy;
  }

  /** Starts the endpoint on an ephemeral port with the given buckets. */
  static S3Endpoint start(String... buckets) throws Exception {
    BlobStoreContext context = ContextBuilder.newBuilder("transient").build(BlobStoreContext.class);
    for (String bucket : buckets) {
      context.getBlobStore().createContainerInLocation(null, bucket);
    }
    S3Proxy proxy = S3Proxy.builder()
        .blobStore(context.getBlobStore())
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
        .endpoint(URI.create("http://127.0.0.1:0"))
        .build();
    proxy.start();
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!"STARTED".equals(proxy.getState())) {
      if (System.nanoTime() > deadline) {
        proxy.stop();
        context.close();
        throw new IllegalStateException("s3proxy did not start; state=" + proxy.getState());
      }
      Thread.sleep(10);
    }
    return new S3Endpoint(context, proxy);
  }

  /** http://127.0.0.1:port */
  String endpoint() {
    return "http://127.0.0.1:" + proxy.getPort();
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

  /** Every key in a bucket under {@code prefix} (recursively), as the object store holds them. */
  List<String> keys(String bucket, String prefix) {
    BlobStore store = context.getBlobStore();
    List<String> keys = new ArrayList<>();
    String marker = null;
    do {
      ListContainerOptions options = ListContainerOptions.Builder.recursive().prefix(prefix);
      var page = store.list(bucket, marker == null ? options : options.afterMarker(marker));
      for (StorageMetadata m : page) {
        keys.add(m.getName());
      }
      marker = page.getNextMarker();
    } while (marker != null);
    return keys;
  }

  @Override
  public void close() throws Exception {
    try {
      proxy.stop();
    } finally {
      context.close();
    }
  }
}
