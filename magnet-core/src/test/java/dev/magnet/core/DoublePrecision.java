package dev.magnet.core;

import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's GradientCheckUtil refuses to run unless ND4J's global default type is DOUBLE. This sets
 * it for a test class ({@code @ExtendWith(DoublePrecision.class)}) or one call ({@link #during}),
 * and always puts the previous types back, so other tests in the JVM keep FLOAT.
 */
public final class DoublePrecision implements BeforeAllCallback, AfterAllCallback {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(DoublePrecision.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    context.getStore(NAMESPACE).put("previous", new DataType[] {Nd4j.dataType(), Nd4j.defaultFloatingPointType()});
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    DataType[] previous = context.getStore(NAMESPACE).get("previous", DataType[].class);
    Nd4j.setDefaultDataTypes(previous[0], previous[1]);
  }

  /** Runs {@code action} with DOUBLE as the default types. */
  public static <T> T during(Supplier<T> action) {
    DataType previous = Nd4j.dataType();
    DataType previousFloat = Nd4j.defaultFloatingPointType();
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    try {
      return action.get();
    } finally {
      Nd4j.setDefaultDataTypes(previous, previousFloat);
    }
  }
}
