package untrusted;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;

/** An object whose Java deserialisation leaves a trace, as a gadget chain would run code. */
public final class SerialisedProbe implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Set to "true" when an instance is deserialised. */
  public static final String PROPERTY = "magnet.test.untrusted.deserialised";

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    System.setProperty(PROPERTY, "true");
  }
}
