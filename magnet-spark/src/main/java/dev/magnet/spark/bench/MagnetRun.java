package dev.magnet.spark.bench;

/** What one Magnet run gave: the child process and its metrics.json. */
record MagnetRun(ChildRun run, MagnetRunMetrics metrics) {}
