package dev.magnet.spark.bench;

/** What one peer run gave: the child process and the figures it printed. */
record PeerRun(ChildRun run, PeerResult result) {}
