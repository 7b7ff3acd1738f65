package dev.magnet.spark.metrics;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Where an epoch's parameter-averaging rounds spent their time, in seconds summed over the
 * epoch's rounds (docs/benchmarks.md, "Cost per phase"). With DL4J's master
 * ({@code dl4j-averaging}) a round is one Spark job: the driver broadcasts the parameters, each
 * worker task starts, fetches them, rebuilds its network, fits its batches, and returns its
 * parameters and updater state, and the driver averages them. Per-task figures are the mean over
 * the round's tasks (the tasks run side by side). In one barrier stage ({@code averaging}) a
 * chunk's rounds share one job and one broadcast, each task builds its network once, and the
 * workers average among themselves: launch, deserialisation, result serialisation and the results'
 * way to the driver are then not measured apart (0), the wait for the slowest is the time in the
 * stage's barriers, and the exchange has its own figure.
 *
 * @param rounds averaging rounds (Spark jobs) in the epoch
 * @param roundSeconds the rounds' wall time on the driver, first broadcast to last assignment
 * @param broadcastSeconds the driver serialising the parameters and updater state into a broadcast
 * @param launchSeconds from the job's start to each task's launch (scheduling, task serialisation)
 * @param deserialiseSeconds each task's deserialisation on its executor
 * @param workerSetupSeconds each task's run outside its mini-batch updates: fetching the broadcast,
 *     rebuilding the network, copying its parameters out
 * @param updateSeconds each task's mini-batch updates ({@code WorkerClock})
 * @param resultSerialiseSeconds each task serialising its result
 * @param waitForSlowestSeconds each task's wait from its end to the round's last task's end
 * @param resultsToDriverSeconds from the last task's end to the job's end: the results fetched,
 *     deserialised and summed on the driver
 * @param driverAveragingSeconds from the job's end to the round's end: dividing the sums and
 *     setting the network's parameters and updater state
 * @param exchangeSeconds each task's exchange and averaging of shards with the other tasks
 *     (one-stage averaging only)
 */
public record AveragingCost(@JsonProperty("rounds") int rounds, @JsonProperty("round_s") double roundSeconds,
    @JsonProperty("broadcast_s") double broadcastSeconds, @JsonProperty("task_launch_s") double launchSeconds,
    @JsonProperty("task_deserialise_s") double deserialiseSeconds,
    @JsonProperty("worker_setup_s") double workerSetupSeconds, @JsonProperty("worker_updates_s") double updateSeconds,
    @JsonProperty("result_serialise_s") double resultSerialiseSeconds,
    @JsonProperty("wait_for_slowest_s") double waitForSlowestSeconds,
    @JsonProperty("results_to_driver_s") double resultsToDriverSeconds,
    @JsonProperty("driver_averaging_s") double driverAveragingSeconds,
    @JsonProperty("worker_exchange_s") double exchangeSeconds) {

  public static final AveragingCost NONE = new AveragingCost(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  /** The rounds of {@code this} not in {@code earlier} (a running total less an earlier one). */
  public AveragingCost minus(AveragingCost earlier) {
    return new AveragingCost(rounds - earlier.rounds, roundSeconds - earlier.roundSeconds,
        broadcastSeconds - earlier.broadcastSeconds, launchSeconds - earlier.launchSeconds,
        deserialiseSeconds - earlier.deserialiseSeconds, workerSetupSeconds - earlier.workerSetupSeconds,
        updateSeconds - earlier.updateSeconds, resultSerialiseSeconds - earlier.resultSerialiseSeconds,
        waitForSlowestSeconds - earlier.waitForSlowestSeconds, resultsToDriverSeconds - earlier.resultsToDriverSeconds,
        driverAveragingSeconds - earlier.driverAveragingSeconds, exchangeSeconds - earlier.exchangeSeconds);
  }

  /** The two together. */
  public AveragingCost plus(AveragingCost o) {
    return new AveragingCost(rounds + o.rounds, roundSeconds + o.roundSeconds, broadcastSeconds + o.broadcastSeconds,
        launchSeconds + o.launchSeconds, deserialiseSeconds + o.deserialiseSeconds,
        workerSetupSeconds + o.workerSetupSeconds, updateSeconds + o.updateSeconds,
        resultSerialiseSeconds + o.resultSerialiseSeconds, waitForSlowestSeconds + o.waitForSlowestSeconds,
        resultsToDriverSeconds + o.resultsToDriverSeconds, driverAveragingSeconds + o.driverAveragingSeconds,
        exchangeSeconds + o.exchangeSeconds);
  }
}
