package dev.magnet.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class BackendSmokeTest {
  @Test
  void cpuBackendLoadsAndMultiplies() {
    System.out.println("backend=" + Nd4j.getBackend().getClass().getName()
        + " ext=" + System.getProperty("javacpp.platform.extension")
        + " libs=" + org.bytedeco.javacpp.Loader.getLoadedLibraries().keySet());
    INDArray a = Nd4j.create(new double[][] {{1, 2}, {3, 4}});
    assertEquals(10.0, a.mmul(a).getDouble(0, 1), 1e-9);
  }
}
