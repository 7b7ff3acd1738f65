package dev.magnet.spark.experiment.tune;

import static org.apache.spark.sql.functions.col;

import dev.magnet.core.params.EnumSpelling;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.data.Hierarchy;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.data.SparkDatasets;
import dev.magnet.spark.experiment.Interval;
import dev.magnet.spark.experiment.TextFiles;
import dev.magnet.spark.experiment.Verdict;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.ml.MagnetEstimator;
import dev.magnet.spark.ml.MagnetEvaluator;
import dev.magnet.spark.ml.MagnetModel;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import dev.magnet.spark.util.SparkJob;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * Runs {@code experiment tune}: searches one loss's hyper-parameters on a seeded, stratified split
 * of the training data (never a test set), with the Spark ML face of Magnet: a {@link MagnetEstimator}
 * fitted with each trial's {@link ParamMap} ({@link SearchSpace}), scored by a {@link MagnetEvaluator}
 * on the fine labels of the held-out examples. One fold is one held-out split ({@link StratifiedSplit#holdout});
 * two or more are Spark ML's {@link CrossValidator} over the stratified folds ({@code foldCol}).
 * The best configuration is written as train options to {@link TuneRequest#configFile()}, which
 * {@code ./spark-submit train @FILE} and {@code experiment --tuned FILE} read; the search's record
 * to {@code <output>/<loss>/}{@value #RECORD} and {@value #TABLE}.
 *
 * <p>With {@code --seeds N} (N ≥ 2) the chosen configuration and the first (the defaults, or the
 * given train options) are trained again with N seeds other than the search's on the held-out
 * split, and compared paired: whether the chosen one wins over seeds, and by how much, at 95%.
 */
public final class Tuner extends SparkJob {
  /** The search's record: every trial's configuration and score, the split, the choice. */
  public static final String RECORD = "tuning.json";
  /** The search's table. */
  public static final String TABLE = "tuning.md";
  /** The finished trials, one JSON line each, rewritten after every trial: what --resume takes over. */
  public static final String TRIALS = "trials.jsonl";

  public Tuner(SparkSession session, PrintWriter out) {
    super(session, out);
  }

  /** One configuration tried: its score (the mean over folds) and how long it took; a failed one has a NaN score. */
  public record Trial(int index, SearchPoint point, double metric, double seconds, String failure) {}

  /** The chosen and the first configuration trained again over seeds; null when they are the same. */
  public record Confirmation(List<Long> seeds, Interval chosen, Interval first, Interval difference, Verdict verdict) {}

  /** What the search found, for the record. */
  record Outcome(TuneRequest request, TuningFrame.Split split, long fitRows, int batchesPerEpochFit,
      int batchesPerEpochAll, List<Trial> trials, Trial best, List<String> options, Confirmation confirmation,
      double seconds) {}

  /** @return the exit status */
  public int run(TuneRequest request) {
    JobException.argument(request::check);
    if (JobException.input(() -> HadoopModelDirectory.exists(request.searchDir(), conf)) && !request.overwrite()
        && !request.resume()) {
      throw new JobException(ExitCodes.BAD_ARGUMENTS, "output " + request.searchDir() + " already exists; pass"
          + " --overwrite to search again or --resume to continue the search");
    }
    String trialsPath = request.searchDir() + "/" + TRIALS;
    Map<String, double[]> recorded = Map.of();
    if (request.resume()) {
      Optional<String> lines = TextFiles.read(trialsPath, conf);
      recorded = lines.isEmpty() ? Map.of()
          : JobException.input(() -> TuneRecord.recordedTrials(lines.get(), request.searchKey()));
    }
    long started = System.nanoTime();
    SparkDataset data = JobException.input(() -> load(request));
    TuningFrame.Split split = TuningFrame.labels(data);
    split = split.withFolds(request.folds() == 1
        ? StratifiedSplit.holdout(split.ids(), split.labels(), request.validationFraction(), request.seed())
        : StratifiedSplit.folds(split.ids(), split.labels(), request.folds(), request.seed()));
    Dataset<Row> frame = TuningFrame.of(session, data, split).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      MagnetEstimator estimator = estimator(request);
      MagnetEvaluator evaluator = new MagnetEvaluator().setMetricName(request.metric())
          .setEmbeddingCol(estimator.getEmbeddingCol()).setLabelCol(TuningFrame.FINE);
      SearchSpace space = new SearchSpace(estimator, data.numClasses());
      List<SearchPoint> points = JobException.argument(() -> space.draw(request.trials(), request.seed()));
      long n = split.ids().length;
      long fitRows = n - split.count(StratifiedSplit.VALIDATION);
      int batchRows = estimator.getClustersPerBatch() * estimator.getExamplesPerCluster();
      int fitBatches = batches(estimator, fitRows, batchRows);
      out.printf(Locale.ROOT, "magnet experiment tune: %s on the %s task, %d trial(s) of %d epoch(s), %s%n",
          EnumSpelling.of(request.loss()), request.task().spelling(), points.size(), request.epochs(),
          request.folds() == 1 ? String.format(Locale.ROOT, "%d of %d training examples held out (stratified, seed %d)",
              n - fitRows, n, request.seed())
              : request.folds() + " stratified folds of " + n + " training examples (seed " + request.seed() + ")");
      List<Trial> trials = request.folds() == 1
          ? holdout(frame, estimator, evaluator, points, fitBatches, recorded,
              done -> TextFiles.write(trialsPath, TuneRecord.trialLines(request.searchKey(), done), conf))
          : crossValidate(frame, estimator, evaluator, points, request, batches(estimator,
              n - n / request.folds(), batchRows));
      Trial best = trials.stream().filter(t -> !Double.isNaN(t.metric()))
          .reduce((a, b) -> b.metric() > a.metric() ? b : a)
          .orElseThrow(() -> new JobException(ExitCodes.TRAINING_FAILED, "every trial failed; the first: "
              + trials.get(0).failure()));
      int allBatches = batches(estimator, n, batchRows);
      List<String> options = SearchSpace.trainOptions(best.point(), request.loss());
      Confirmation confirmation = request.seeds() >= 2 && best.index() != 0
          ? confirm(frame, estimator, evaluator, best.point(), points.get(0), request, fitBatches) : null;
      Outcome outcome = new Outcome(request, split, fitRows, fitBatches, allBatches, trials, best, options,
          confirmation, (System.nanoTime() - started) / 1e9);
      TextFiles.write(request.configFile(), TuneRecord.configFile(outcome), conf);
      TextFiles.write(request.searchDir() + "/" + RECORD, TuneRecord.json(outcome), conf);
      String table = TuneRecord.markdown(outcome);
      TextFiles.write(request.searchDir() + "/" + TABLE, table, conf);
      out.println();
      out.print(table);
      out.println("chosen: " + request.configFile() + "  record: " + request.searchDir() + "/" + RECORD);
      return ExitCodes.SUCCESS;
    } finally {
      frame.unpersist();
    }
  }

  /** The training data, relabelled to the coarse classes on the hierarchy task (the fine ones kept). */
  private SparkDataset load(TuneRequest request) throws IOException {
    int rows = DataSource.rowLimit(request.limit(), request.template().data());
    SparkDataset data = request.template().data().load(session, rows, request.seed(), null).dataset();
    if (request.task().coarse()) {
      Hierarchy hierarchy = Hierarchy.load(request.coarse(), conf);
      data = SparkDatasets.withCoarseLabels(data, hierarchy.map(), hierarchy.coarseNames());
    }
    return data;
  }

  /** The estimator of the first trial: the template's configuration with the loss, epochs, seed and network. */
  private static MagnetEstimator estimator(TuneRequest request) {
    MagnetParams params = request.template().params().withLoss(request.loss()).withEpochs(request.epochs())
        .withSeed(request.seed());
    return MagnetEstimator.of(params, request.template().network().withArchitecture(request.network()),
        request.template().options()).setFeaturesCol(TuningFrame.FEATURES).setLabelCol(TuningFrame.LABEL)
        .setPredictionCol("").setProbabilityCol("").setClusterCol("");
  }

  /** The batches of an epoch of {@code rows} examples: the estimator's own setting, else rows / batch, rounded up. */
  private static int batches(MagnetEstimator estimator, long rows, int batchRows) {
    return estimator.getBatchesPerEpoch() > 0 ? estimator.getBatchesPerEpoch()
        : (int) Math.max(1, (rows + batchRows - 1) / batchRows);
  }

  /**
   * One held-out split: each trial fitted on the fit fold and scored on the validation fold, in
   * order; a trial {@code recorded} holds (by its values) is taken over; {@code progress} gets the
   * trials so far after each one.
   */
  private List<Trial> holdout(Dataset<Row> frame, MagnetEstimator estimator, MagnetEvaluator evaluator,
      List<SearchPoint> points, int batchesPerEpoch, Map<String, double[]> recorded, Consumer<List<Trial>> progress) {
    Dataset<Row> fit = frame.filter(col(TuningFrame.FOLD).notEqual(StratifiedSplit.VALIDATION));
    Dataset<Row> held = frame.filter(col(TuningFrame.FOLD).equalTo(StratifiedSplit.VALIDATION));
    List<Trial> trials = new ArrayList<>();
    for (int i = 0; i < points.size(); i++) {
      SearchPoint point = points.get(i);
      double[] earlier = recorded.get(TuneRecord.values(point));
      if (earlier != null) {
        trials.add(new Trial(i, point, earlier[0], earlier[1], null));
        out.printf(Locale.ROOT, "trial %d/%d: %s -> %s %.4f (recorded, taken over)%n", i + 1, points.size(),
            point.describe(), evaluator.getMetricName(), earlier[0]);
        continue;
      }
      long t0 = System.nanoTime();
      double metric;
      String failure = null;
      try {
        metric = score(estimator, evaluator, point.paramMap(estimator, batchesPerEpoch), fit, held);
      } catch (RuntimeException e) {
        metric = Double.NaN;
        failure = e.getClass().getSimpleName() + ": " + e.getMessage();
      }
      Trial trial = new Trial(i, point, metric, (System.nanoTime() - t0) / 1e9, failure);
      trials.add(trial);
      progress.accept(trials);
      out.printf(Locale.ROOT, "trial %d/%d: %s -> %s %s (%.0f s)%n", i + 1, points.size(), point.describe(),
          evaluator.getMetricName(), failure == null ? String.format(Locale.ROOT, "%.4f", metric) : "failed: "
          + failure, trial.seconds());
      out.flush();
    }
    return trials;
  }

  /** Fits one configuration on {@code fit} and scores its embeddings of {@code held}. */
  private static double score(MagnetEstimator estimator, MagnetEvaluator evaluator, ParamMap map, Dataset<Row> fit,
      Dataset<Row> held) {
    MagnetModel model = estimator.fit(fit, map);
    return evaluator.evaluate(model.transform(held));
  }

  /** Spark ML's cross-validation over the stratified folds: every trial on every fold, {@code parallelism} at once. */
  private List<Trial> crossValidate(Dataset<Row> frame, MagnetEstimator estimator, MagnetEvaluator evaluator,
      List<SearchPoint> points, TuneRequest request, int batchesPerEpoch) {
    ParamMap[] maps = points.stream().map(p -> p.paramMap(estimator, batchesPerEpoch)).toArray(ParamMap[]::new);
    CrossValidator validator = new CrossValidator().setEstimator(estimator).setEvaluator(evaluator)
        .setEstimatorParamMaps(maps).setNumFolds(request.folds()).setFoldCol(TuningFrame.FOLD)
        .setParallelism(request.parallelism()).setSeed(request.seed());
    long t0 = System.nanoTime();
    CrossValidatorModel model = validator.fit(frame);
    double each = (System.nanoTime() - t0) / 1e9 / points.size();
    double[] metrics = model.avgMetrics();
    List<Trial> trials = new ArrayList<>();
    for (int i = 0; i < points.size(); i++) {
      trials.add(new Trial(i, points.get(i), metrics[i], each, null));
      out.printf(Locale.ROOT, "trial %d/%d: %s -> mean %s over %d folds %.4f%n", i + 1, points.size(),
          points.get(i).describe(), evaluator.getMetricName(), request.folds(), metrics[i]);
    }
    return trials;
  }

  /**
   * The chosen and the first configuration trained with {@code request.seeds()} seeds after the
   * search's (seed + 1, ...) on fold 0 held out, paired by seed.
   */
  private Confirmation confirm(Dataset<Row> frame, MagnetEstimator estimator, MagnetEvaluator evaluator,
      SearchPoint chosen, SearchPoint first, TuneRequest request, int batchesPerEpoch) {
    Dataset<Row> fit = frame.filter(col(TuningFrame.FOLD).notEqual(StratifiedSplit.VALIDATION));
    Dataset<Row> held = frame.filter(col(TuningFrame.FOLD).equalTo(StratifiedSplit.VALIDATION));
    List<Long> seeds = new ArrayList<>();
    double[] a = new double[request.seeds()];
    double[] b = new double[request.seeds()];
    for (int i = 0; i < request.seeds(); i++) {
      long seed = request.seed() + 1 + i;
      seeds.add(seed);
      a[i] = score(estimator, evaluator, chosen.paramMap(estimator, batchesPerEpoch).put(estimator.seed(), seed),
          fit, held);
      b[i] = score(estimator, evaluator, first.paramMap(estimator, batchesPerEpoch).put(estimator.seed(), seed),
          fit, held);
      out.printf(Locale.ROOT, "seed %d: chosen %.4f, first %.4f%n", seed, a[i], b[i]);
      out.flush();
    }
    Interval difference = Interval.paired(a, b);
    return new Confirmation(seeds, Interval.of(a), Interval.of(b), difference, Verdict.above(difference));
  }
}
