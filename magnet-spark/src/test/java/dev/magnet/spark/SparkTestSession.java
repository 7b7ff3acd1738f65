package dev.magnet.spark;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The module's test Spark: local[2], no UI, loopback driver, Kryo with Magnet's registrator (ND4J's, with a bulk INDArray serialiser). */
public final class SparkTestSession {
  private SparkTestSession() {}

  /** A new session; call once per test class and stop it after ({@link PerClass} does both). */
  public static SparkSession start(String appName) {
    return SparkSession.builder()
        .master("local[2]")
        .appName(appName)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.kryo.registrator", "dev.magnet.spark.serde.MagnetKryoRegistrator")
        .getOrCreate();
  }

  /**
   * A new session's Java context for a benchmark run by hand ({@code main}), logging warnings only
   * so that Spark's INFO lines do not bury the benchmark's table; stop it after.
   */
  public static JavaSparkContext benchmarkContext(String appName) {
    JavaSparkContext spark = JavaSparkContext.fromSparkContext(start(appName).sparkContext());
    spark.setLogLevel("WARN");
    return spark;
  }

  /**
   * The test class's session, as JUnit's {@code @TempDir} gives a directory: each static field of
   * type {@link SparkSession} or {@link JavaSparkContext} so annotated gets one session named after
   * the class (or its Java context) before the class's {@code @BeforeAll} methods run, and the
   * session is stopped after its {@code @AfterAll} methods.
   */
  @Target(ElementType.FIELD)
  @Retention(RetentionPolicy.RUNTIME)
  @ExtendWith(PerClassExtension.class)
  public @interface PerClass {}

  /** Starts, injects and stops the session of {@link PerClass}. */
  static final class PerClassExtension implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PerClass.class);

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
      Class<?> test = context.getRequiredTestClass();
      SparkSession session = start(test.getSimpleName());
      context.getStore(NAMESPACE).put(test, session);
      for (Field field : test.getDeclaredFields()) {
        if (!field.isAnnotationPresent(PerClass.class)) {
          continue;
        }
        if (!Modifier.isStatic(field.getModifiers())) {
          throw new ExtensionConfigurationException("@PerClass fields must be static: " + field);
        }
        field.setAccessible(true);
        if (field.getType() == SparkSession.class) {
          field.set(null, session);
        } else if (field.getType() == JavaSparkContext.class) {
          field.set(null, JavaSparkContext.fromSparkContext(session.sparkContext()));
        } else {
          throw new ExtensionConfigurationException("@PerClass fields are SparkSession or JavaSparkContext: " + field);
        }
      }
    }

    @Override
    public void afterAll(ExtensionContext context) {
      SparkSession session = context.getStore(NAMESPACE).remove(context.getRequiredTestClass(), SparkSession.class);
      if (session != null) {
        session.stop();
      }
    }
  }
}
