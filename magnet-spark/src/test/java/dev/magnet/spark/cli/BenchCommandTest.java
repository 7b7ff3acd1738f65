package dev.magnet.spark.cli;

import static dev.magnet.spark.cli.CliRun.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnet.core.data.FashionMnist;
import dev.magnet.spark.bench.PeerResultTest;
import dev.magnet.spark.util.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code magnet bench}: its option rules, the checks of the peer before any run, the phase table,
 * and the Magnet side end to end on synthetic data (two child JVMs, local[2] and local[1]; the
 * peer is switched off: it needs Fashion-MNIST and torch, and minutes).
 */
class BenchCommandTest {
  @TempDir
  Path tmp;

  @Test
  void optionRulesNameTheRuleAndTheValue() {
    assertRefused("--limit must be at least 48 (one batch of M*D examples); limit=10", "bench", "--limit", "10");
    assertRefused("--epochs and --max-epochs must be at least 1; epochs=0 max-epochs=3", "bench", "--epochs", "0");
    assertRefused("--target-accuracy must be in (0, 1]; target-accuracy=1.5", "bench", "--target-accuracy", "1.5");
    assertRefused("--cores must be at least 2 (the scaling run is local[1] against it); cores=1",
        "bench", "--cores", "1");
    assertRefused("the peer reads Fashion-MNIST only: --data other than fashion-mnist needs --skip-peer;"
        + " data=synthetic", "bench", "--data", "synthetic");
    assertRefused("--train-arg must not set an option the bench sets itself (", "bench",
        "--train-arg=--limit=5");
    assertRefused("; train-arg=-M", "bench", "--train-arg", "-M", "--train-arg", "3");
    assertRefused("synthetic settings must be key=value", "bench", "--data", "synthetic:clases=3", "--skip-peer");
  }

  @Test
  void aMissingPeerOrPythonIsNamedBeforeAnyRun() throws IOException {
    Path out = tmp.resolve("bench");
    Path script = tmp.resolve("nowhere/torch_magnet.py");
    CliRun noScript = CliRun.of("bench", "--peer", script.toString(), "--output", out.toString());
    assertEquals(ExitCodes.BAD_ARGUMENTS, noScript.status(), noScript.toString());
    assertTrue(noScript.err().contains("peer script not found: " + script), noScript.toString());

    Path present = Files.writeString(tmp.resolve("torch_magnet.py"), "print('{}')\n");
    CliRun noPython = CliRun.of("bench", "--peer", present.toString(), "--python", tmp.resolve("python9").toString(),
        "--output", out.toString());
    assertEquals(ExitCodes.BAD_ARGUMENTS, noPython.status(), noPython.toString());
    assertTrue(noPython.err().contains("python not found or not executable: " + tmp.resolve("python9")),
        noPython.toString());

    // A "python" that cannot import torch: /bin/false fails whatever it is asked.
    CliRun noTorch = CliRun.of("bench", "--peer", present.toString(), "--python", "/bin/false", "--output",
        out.toString());
    assertEquals(ExitCodes.BAD_INPUT, noTorch.status(), noTorch.toString());
    assertTrue(noTorch.err().contains("/bin/false cannot import torch and sklearn, which the peer " + present),
        noTorch.toString());
    assertFalse(Files.exists(out), "nothing was run or written");
  }

  @Test
  void anExistingOutputIsRefusedWithoutOverwrite() throws IOException {
    Path out = Files.createDirectories(tmp.resolve("taken"));
    Path kept = Files.writeString(out.resolve("notes.txt"), "mine");
    assertRefused("output " + out + " already exists and is not empty; pass --overwrite to replace it",
        "bench", "--skip-peer", "--output", out.toString());
    assertEquals("mine", Files.readString(kept));
  }

  @Test
  void theMagnetSideEndToEndInChildJvms() throws IOException {
    Path out = tmp.resolve("bench");
    CliRun run = CliRun.of("bench", "--skip-peer", "--skip-time-to-accuracy", "--data",
        "synthetic:classes=3,sub=2,per=20,dim=8", "--limit", "96", "--train-arg=--seed=5", "--output", out.toString());
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    String md = Files.readString(out.resolve("bench.md"));
    assertTrue(run.out().contains(md), "the report is printed as written:\n" + run);
    for (String expected : new String[] {"| training examples/s (fit phase) | — | ", "| peak RSS, MiB",
        "| local[1] | ", "Scaling efficiency: thr2 / (2 x thr1) = ", "| fit | ", "| epoch | "}) {
      assertTrue(md.contains(expected), "bench.md has '" + expected + "':\n" + md);
    }
    assertFalse(md.contains("Time to 1-NN"), md);

    JsonNode bench = new ObjectMapper().readTree(out.resolve("bench.json").toFile());
    assertEquals(2, bench.path("runs").size(), bench.toString());
    assertTrue(bench.path("machine").path("cores").asInt() > 0, bench.toString());
    assertTrue(bench.path("scaling").path("efficiency").asDouble() > 0, bench.toString());
    for (JsonNode r : bench.path("runs")) {
      assertTrue(r.path("peak_rss_bytes").asLong() > 32L << 20, "a training JVM's peak RSS: " + r);
      assertTrue(r.path("command").toString().contains("\"--seed=5\""), "--train-arg is passed on: " + r);
      assertTrue(r.path("result").path("peak_memory").path("driver_rss_bytes").asLong() > 0,
          "train writes its own peak into metrics.json: " + r.path("result"));
      assertEquals(96, r.path("result").path("summary").path("train_examples").asInt());
    }
    assertTrue(bench.path("runs").get(1).path("command").toString().contains("\"local[1]\""), bench.toString());
  }

  /**
   * The peer side, interleaved around Magnet, with a stand-in for Python that prints the peer's
   * line (and says yes to the torch check): the ratios are Magnet's figures over the line's. Magnet
   * trains two batches of Fashion-MNIST, which must be installed.
   */
  @Test
  void peerMagnetPeerWithAStandInPeer() throws IOException {
    assumeTrue(Files.isDirectory(FashionMnist.DEFAULT_DIRECTORY), "Fashion-MNIST is not installed");
    Path python = tmp.resolve("python");
    Files.writeString(python, "#!/bin/sh\n[ \"$1\" = -c ] && exit 0\necho \"args: $*\" >&2\necho '"
        + PeerResultTest.LINE + "'\n");
    Files.setPosixFilePermissions(python, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path peer = Files.writeString(tmp.resolve("torch_magnet.py"), "# stand-in\n");
    Path out = tmp.resolve("with-peer");
    CliRun run = CliRun.of("bench", "--peer", peer.toString(), "--python", python.toString(), "--limit", "96",
        "--skip-scaling", "--skip-time-to-accuracy", "--output", out.toString());
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    assertTrue(run.out().indexOf("[1/3] peer-1") < run.out().indexOf("[2/3] magnet-local2")
        && run.out().indexOf("[2/3] magnet-local2") < run.out().indexOf("[3/3] peer-2"), run.out());
    assertTrue(run.out().contains("| training examples/s (fit phase) | 3,947.6 (3,947.6 / 3,947.6) | "), run.out());
    // 18341.2 x (96 + 10,000) / 70,000
    assertTrue(run.out().contains("| embedding images/s | 2,645.3 (2,645.3 / 2,645.3) | "), run.out());
    assertTrue(run.out().contains("Its training rate moved 0% between the two"), run.out());
    assertTrue(Files.readString(out.resolve("peer-1.err")).contains("--epochs 1 --threads 2 --k 8 --m 12 --d 4"
        + " --alpha 1 --lr 0.001 --limit 96"), "the peer gets the same data and hyper-parameters");
    assertTrue(run.out().contains("--embedding-dim 64") && run.out().contains("--learning-rate 0.001")
        && run.out().contains("--alpha 1"), "Magnet trains the yardstick's configuration, not its defaults: " + run.out());
    JsonNode bench = new ObjectMapper().readTree(out.resolve("bench.json").toFile());
    JsonNode fit = bench.path("throughput").get(0);
    assertEquals(fit.path("magnet").asDouble() / 3947.6, fit.path("ratio").asDouble(), 1e-9, fit.toString());
    assertEquals(0.8054, bench.path("runs").get(0).path("result").path("knn1_acc_fine").asDouble());
  }
}
