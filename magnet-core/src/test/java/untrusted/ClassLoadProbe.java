package untrusted;

/**
 * A class outside every package a model may name: initialising it leaves a trace, so a test can
 * prove that loading a model that names it never got as far as loading it.
 */
public final class ClassLoadProbe {
  /** Set to "true" when the class is initialised. */
  public static final String PROPERTY = "magnet.test.untrusted.initialised";

  static {
    System.setProperty(PROPERTY, "true");
  }

  private ClassLoadProbe() {}
}
