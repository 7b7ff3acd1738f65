package dev.magnet.spark.io;

import com.amazonaws.services.s3.model.PutObjectRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.HashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.s3a.AWSServiceIOException;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import org.apache.hadoop.fs.s3a.WriteOperationHelper;
import org.apache.hadoop.util.VersionInfo;

/**
 * A PUT with {@code If-None-Match: *} through Hadoop 3.3's S3A, which has no conditional create of
 * its own (Hadoop 3.4.2 added one: {@link AtomicMoves} prefers it where the file system declares
 * it). S3 refuses such a PUT with 412 when the key exists (AWS since August 2024), which makes it
 * the compare-and-swap a {@link PublishDirectory} commits with on S3.
 *
 * <p>Written by hand because no library call does it: the request is S3A's own
 * ({@link WriteOperationHelper#createPutObjectRequest}, sent by {@link WriteOperationHelper#putObject}),
 * so the endpoint, credentials, signing, auditing and retries of transient errors are the user's
 * S3A settings; only the header is added. S3A 3.3 retries a 412 like any failure of an idempotent
 * call ({@code fs.s3a.retry.limit} times, a minute with its defaults), so the PUT goes through an
 * instance of the file system with that limit at 0: the AWS SDK still retries lost connections,
 * and a retry that meets the object of its own first attempt is told apart by reading it back.
 *
 * <p>The only class of Magnet that names S3A or the AWS SDK; loaded only for an {@code s3a://}
 * publish directory, where the cluster's class path has {@code hadoop-aws} (the job jar leaves it
 * out, docs/reliability.md).
 */
final class S3ConditionalPut {
  /** S3A's {@code Constants.RETRY_LIMIT}. */
  private static final String RETRY_LIMIT = "fs.s3a.retry.limit";
  private static final int PRECONDITION_FAILED = 412;

  private S3ConditionalPut() {}

  /**
   * Fails when this S3A has not the 3.3 client this class uses (a Hadoop 3.4.0 or 3.4.1, whose S3A
   * moved to the AWS SDK v2 without a conditional create yet).
   *
   * @throws IllegalArgumentException naming the Hadoop version
   */
  static void checkAvailable(FileSystem fs, Path root) {
    try {
      WriteOperationHelper.class.getMethod("createPutObjectRequest", String.class, java.io.InputStream.class,
          long.class, java.util.Map.class);
      PutObjectRequest.class.getMethod("putCustomRequestHeader", String.class, String.class);
    } catch (LinkageError | ReflectiveOperationException e) {
      throw new IllegalArgumentException("cannot publish to " + root + ": its S3A (Hadoop " + VersionInfo.getVersion()
          + ") offers neither the createFile option " + AtomicMoves.CONDITIONAL_CREATE + " (Hadoop 3.4.2 and later)"
          + " nor the AWS SDK v1 client of Hadoop 3.3 (" + e + "); use a Hadoop with either (docs/reliability.md)");
    }
  }

  /**
   * Creates {@code file} with {@code content} if no object has its key.
   *
   * @return false when an object had the key (412), touching nothing
   */
  static boolean putIfAbsent(FileSystem fs, Path file, byte[] content) throws IOException {
    Configuration once = new Configuration(fs.getConf());
    once.setInt(RETRY_LIMIT, 0);
    try (FileSystem single = FileSystem.newInstance(fs.getUri(), once)) {
      S3AFileSystem s3a = (S3AFileSystem) single;
      WriteOperationHelper helper = s3a.getWriteOperationHelper();
      PutObjectRequest request = helper.createPutObjectRequest(s3a.pathToKey(file),
          new ByteArrayInputStream(content), content.length, new HashMap<>());
      request.putCustomRequestHeader("If-None-Match", "*");
      try {
        helper.putObject(request);
        return true;
      } catch (AWSServiceIOException e) {
        if (e.getStatusCode() != PRECONDITION_FAILED) {
          throw e;
        }
        return AtomicMoves.holds(single, file, content);
      }
    }
  }
}
