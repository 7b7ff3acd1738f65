package dev.magnet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Headless Chromium (Debian's {@code chromium}) for the render tests of the HTML pages: each run
 * with its own profile, its output kept beside the pages, and a check that every image of a page
 * loads. A test fails, never skips, without Chromium.
 *
 * @param binary the Chromium executable
 * @param profiles where each run's profile goes
 * @param out where each run's standard output and error go
 */
public record HeadlessChromium(Path binary, Path profiles, Path out) {
  /** Seconds one Chromium run may take on a loaded 2-core machine (about 5 when idle). */
  private static final long TIMEOUT_SECONDS = 90;
  private static final Pattern CHECKED = Pattern.compile("<pre id=\"image-check\">(.*?)</pre>", Pattern.DOTALL);
  /** Lists each image as "src width height" in a {@code pre} the check reads back from the DOM. */
  private static final String IMAGE_CHECK = "<script>window.addEventListener('load', () => {"
      + " const pre = document.createElement('pre'); pre.id = 'image-check';"
      + " pre.textContent = Array.from(document.images).map(i => i.getAttribute('src') + ' '"
      + " + i.naturalWidth + ' ' + i.naturalHeight).join('\\n'); document.body.appendChild(pre); });</script>";

  /**
   * What every render test sets up, as a JUnit extension on a static field: before the class,
   * {@code target/<name>}, where the test keeps its pages, screenshots and Chromium's output for a
   * person to look at after the build, and a temporary directory for Chromium's profiles, removed
   * after the class.
   */
  public static final class Fixture implements BeforeAllCallback, AfterAllCallback {
    private final String name;
    private final String check;
    private Path out;
    private Path profiles;

    /**
     * @param name the kept directory's name under {@code target}
     * @param check what needs Chromium, for the failure without it ("the report's render check")
     */
    public Fixture(String name, String check) {
      this.name = name;
      this.check = check;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
      out = Files.createDirectories(Paths.get("target", name).toAbsolutePath());
      profiles = Files.createTempDirectory(name + "-profiles");
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
      if (profiles == null) {
        return; // beforeAll failed before it made them
      }
      try (Stream<Path> paths = Files.walk(profiles)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(path);
        }
      }
    }

    /** {@code target/<name>}: what the test writes there stays after the build. */
    public Path out() {
      return out;
    }

    /** Chromium on the PATH ({@link #find}), its runs' output kept in {@link #out}. */
    public HeadlessChromium chromium() {
      return find(check, profiles, out);
    }
  }

  /**
   * Chromium on the PATH, or a test failure saying how to install it.
   *
   * @param check what needs it, for the failure ("the report's render check")
   * @param profiles where each run's profile goes
   * @param out where each run's standard output and error go
   */
  public static HeadlessChromium find(String check, Path profiles, Path out) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser")) {
        Path candidate = Paths.get(dir, name);
        if (Files.isExecutable(candidate)) {
          return new HeadlessChromium(candidate, profiles, out);
        }
      }
    }
    return fail(check + " needs headless Chromium, which is not on the PATH (" + System.getenv("PATH")
        + "): install it with 'apt-get install chromium' (Debian's package; ./run-tests installs it when missing)");
  }

  /**
   * Runs Chromium headless with {@code args}; returns its standard output.
   *
   * @param name the run's name: its profile, and its {@code .out} and {@code .err} files
   */
  public String run(String name, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--no-first-run", "--user-data-dir=" + profiles.resolve(name)));
    command.addAll(List.of(args));
    Path stdout = out.resolve(name + ".out");
    Path stderr = out.resolve(name + ".err");
    Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      fail("Chromium did not finish within " + TIMEOUT_SECONDS + " s: " + command + "\n" + Files.readString(stderr));
    }
    assertEquals(0, process.exitValue(), "Chromium's exit status: " + command + "\n" + Files.readString(stderr));
    return Files.readString(stdout, StandardCharsets.UTF_8);
  }

  /** One image of a page as Chromium loaded it: width and height 0 for a broken image. */
  public record LoadedImage(String src, int width, int height) {}

  /**
   * Every image of {@code page} as Chromium loads it: a copy of the page beside it gets a script
   * that lists each image's loaded size (the page itself runs no script), and is deleted after.
   *
   * @param name the run's name, as for {@link #run}
   */
  public List<LoadedImage> loadedImages(String name, Path page) throws IOException, InterruptedException {
    Path check = page.resolveSibling("render-check.html");
    Files.writeString(check, Files.readString(page).replace("</body>", IMAGE_CHECK + "\n</body>"));
    try {
      String dom = run(name, "--dump-dom", "--virtual-time-budget=5000", check.toUri().toString());
      Matcher matcher = CHECKED.matcher(dom);
      assertTrue(matcher.find(), "Chromium ran the check script; its DOM:\n" + dom);
      List<LoadedImage> images = new ArrayList<>();
      for (String line : matcher.group(1).strip().split("\n")) {
        // The two sizes are the last words (a src may hold spaces).
        String entry = line.strip();
        int height = entry.lastIndexOf(' ');
        int width = entry.lastIndexOf(' ', height - 1);
        images.add(new LoadedImage(entry.substring(0, width), Integer.parseInt(entry.substring(width + 1, height)),
            Integer.parseInt(entry.substring(height + 1))));
      }
      return images;
    } finally {
      Files.delete(check);
    }
  }

  /** {@link #loadedImages}, having asserted that every one of them loaded with a size (0 = a broken image). */
  public List<LoadedImage> everyImageLoads(String name, Path page) throws IOException, InterruptedException {
    List<LoadedImage> images = loadedImages(name, page);
    for (LoadedImage image : images) {
      assertTrue(image.width() > 0 && image.height() > 0, "every image of " + page + " loaded (0 = broken): " + image);
    }
    return images;
  }
}
