package dev.magnet.spark.experiment;

import dev.magnet.core.data.IdxWriter;
import dev.magnet.core.eval.HierarchyMap;
import dev.magnet.core.nn.InputShape;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.data.Example;
import dev.magnet.spark.data.FeatureEncoding;
import dev.magnet.spark.data.Hierarchy;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.util.JobException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntPredicate;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * The data of the pre-training experiment, written as IDX files under {@code <output>/data} so
 * that every run's command reads plain files and can be repeated by hand: the experiment's
 * training and test sets split by fine class into the pre-training task (the classes of
 * {@code pretrainClasses}, fine labels) and the task (the other classes, trained on their coarse
 * labels through {@link #taskMap}). Each part's classes are renumbered 0..C−1 in their original
 * order; the map file's comments name the original classes.
 *
 * <p>Example, Fashion-MNIST with pre-training classes 1, 3, 6, 9 (trouser, dress, shirt, ankle
 * boot): the task keeps T-shirt, pullover, coat, sandal, sneaker and bag, as 0..5, grouped into
 * tops {0, 1, 2}, footwear {3, 4} and bag {5}.
 *
 * @param dir where the files go
 * @param pretrainClasses the fine classes of the pre-training task
 */
public record PretrainingData(String dir, List<Integer> pretrainClasses) {
  /** Fashion-MNIST's trouser, dress, shirt and ankle boot: what is left keeps three coarse classes with sub-classes. */
  public static final List<Integer> DEFAULT_PRETRAIN_CLASSES = List.of(1, 3, 6, 9);

  public PretrainingData {
    pretrainClasses = List.copyOf(new TreeSet<>(pretrainClasses));
    if (pretrainClasses.size() < 2) {
      throw new IllegalArgumentException("--pretrain-classes needs at least 2 classes for softmax to learn from;"
          + " pretrain-classes=" + pretrainClasses);
    }
  }

  public DataSource pretrainTrain() {
    return idx("pretrain-train");
  }

  public DataSource pretrainTest() {
    return idx("pretrain-test");
  }

  public DataSource taskTrain() {
    return idx("task-train");
  }

  public DataSource taskTest() {
    return idx("task-test");
  }

  /** The task's fine → coarse map file. */
  public String taskMap() {
    return dir + "/task-coarse.txt";
  }

  private DataSource idx(String name) {
    return DataSource.parse("idx:" + dir + "/" + name + "-images.idx," + dir + "/" + name + "-labels.idx");
  }

  /** Whether the files are there (a resumed experiment keeps them). */
  public boolean exists(Configuration conf) {
    return JobException.input(() -> {
      Path map = new Path(taskMap());
      return map.getFileSystem(conf).exists(map);
    });
  }

  /**
   * Reads the experiment's data and writes the four IDX pairs and the map; returns a line saying
   * what was written.
   *
   * @throws IllegalArgumentException when the data are not one-channel 8-bit images, a class named
   *     does not exist, or the task keeps fewer than two coarse classes
   */
  public String write(SparkSession session, ExperimentSetup setup, Configuration conf) throws IOException {
    Hierarchy hierarchy = Hierarchy.load(setup.coarse(), conf);
    int rows = DataSource.rowLimit(setup.limit().isPresent() ? setup.limit().getAsInt() : null, setup.data(),
        setup.validation());
    SparkDataset train = setup.data().load(session, rows, setup.seed(), null).dataset();
    SparkDataset test = setup.validation().load(session, rows, setup.seed(), train.labelNames()).dataset();
    InputShape shape = train.inputShape();
    if (shape.kind() != InputShape.Kind.IMAGE || shape.channels() != 1) {
      throw new IllegalArgumentException("the pretrained experiment writes IDX files, which hold one-channel images;"
          + " data=" + setup.data() + " holds " + shape);
    }
    int classes = train.numClasses();
    for (int c : pretrainClasses) {
      if (c < 0 || c >= classes) {
        throw new IllegalArgumentException("--pretrain-classes must be classes of the data, 0.." + (classes - 1)
            + "; pretrain-classes=" + pretrainClasses);
      }
    }
    List<Integer> task = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      if (!pretrainClasses.contains(c)) {
        task.add(c);
      }
    }
    HierarchyMap fineToCoarse = hierarchy.map();
    TreeMap<Integer, Integer> coarseIds = new TreeMap<>();
    task.forEach(c -> coarseIds.put(fineToCoarse.coarseOf(c), 0));
    if (coarseIds.size() < 2) {
      throw new IllegalArgumentException("the task's classes " + task + " must span at least 2 coarse classes of "
          + setup.coarse() + "; they span " + coarseIds.keySet());
    }
    int next = 0;
    for (var e : coarseIds.entrySet()) {
      e.setValue(next++);
    }
    StringBuilder map = new StringBuilder("# fine coarse: the task's classes of the pretrained experiment, renumbered\n");
    for (int i = 0; i < task.size(); i++) {
      int coarse = fineToCoarse.coarseOf(task.get(i));
      map.append(String.format(Locale.ROOT, "%d %d  # %s, %s%n", i, coarseIds.get(coarse),
          train.labelNames().get(task.get(i)), hierarchy.coarseNames().get(coarse)));
    }
    TextFiles.write(taskMap(), map.toString(), conf);
    List<Example> trainExamples = sorted(train);
    List<Example> testExamples = sorted(test);
    int a = subset(trainExamples, pretrainClasses, shape, "pretrain-train", conf);
    subset(testExamples, pretrainClasses, shape, "pretrain-test", conf);
    int b = subset(trainExamples, task, shape, "task-train", conf);
    subset(testExamples, task, shape, "task-test", conf);
    return String.format(Locale.ROOT, "pre-training data: classes %s, %d training examples; task: classes %s in %d"
        + " coarse classes, %d training examples; in %s", pretrainClasses, a, task, coarseIds.size(), b, dir);
  }

  private static List<Example> sorted(SparkDataset data) {
    List<Example> examples = new ArrayList<>(data.examples().collect());
    examples.sort(Comparator.comparingLong(Example::id));
    return examples;
  }

  /** Writes the examples of {@code classes}, relabelled to their index in it; returns how many. */
  private int subset(List<Example> examples, List<Integer> classes, InputShape shape, String name, Configuration conf)
      throws IOException {
    IntPredicate kept = classes::contains;
    List<Example> chosen = examples.stream().filter(e -> kept.test(e.label())).toList();
    int size = shape.height() * shape.width();
    byte[] pixels = new byte[chosen.size() * size];
    int[] labels = new int[chosen.size()];
    for (int i = 0; i < labels.length; i++) {
      Example e = chosen.get(i);
      if (e.encoding() != FeatureEncoding.UINT8) {
        throw new IllegalArgumentException("the pretrained experiment writes IDX files of 8-bit pixels; example "
            + e.id() + " holds " + e.encoding());
      }
      System.arraycopy(e.features(), 0, pixels, i * size, size);
      labels[i] = classes.indexOf(e.label());
    }
    IdxWriter.writeImages(create(dir + "/" + name + "-images.idx", conf), labels.length, shape.height(),
        shape.width(), pixels);
    IdxWriter.writeLabels(create(dir + "/" + name + "-labels.idx", conf), labels);
    return labels.length;
  }

  private static OutputStream create(String path, Configuration conf) throws IOException {
    Path file = new Path(path);
    FileSystem fs = file.getFileSystem(conf);
    return fs.create(file, true);
  }
}
