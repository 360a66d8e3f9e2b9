package io.marketprism.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/marketprism} without a usable Java: one plain line and exit 1, before any build. It
 * was bash's {@code exec: java: not found}, or a failed build, or an UnsupportedClassVersionError
 * stack trace.
 */
class LauncherScriptTest {

  private static final Path SCRIPT = Path.of("..", "bin", "marketprism").toAbsolutePath().normalize();

  @TempDir
  Path dir;

  @Test
  void noJavaOnThePathIsSaidPlainly() throws Exception {
    // the tools the script uses, and no java
    Path bin = Files.createDirectory(dir.resolve("bin"));
    for (String tool : List.of("dirname", "find", "sed", "head")) {
      Files.createSymbolicLink(bin.resolve(tool), which(tool));
    }
    Result r = run(bin.toString());
    assertThat(r.exit).isEqualTo(1);
    assertThat(r.output).startsWith("marketprism: Java 17 or newer is needed and there is no 'java' on the PATH");
  }

  @Test
  void anOldJavaIsNamedWithItsVersion() throws Exception {
    Path bin = Files.createDirectory(dir.resolve("old"));
    Path java = bin.resolve("java");
    Files.writeString(java, "#!/bin/sh\necho 'java version \"1.8.0_402\"' >&2\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    Result r = run(bin + ":" + System.getenv("PATH"));
    assertThat(r.exit).isEqualTo(1);
    assertThat(r.output).startsWith("marketprism: Java 17 or newer is needed; " + java + " is version 1.8.0_402;")
        .doesNotContain("building");
  }

  private record Result(int exit, String output) {
  }

  private Result run(String path) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(which("bash").toString(), SCRIPT.toString(), "--help").redirectErrorStream(true);
    pb.environment().put("PATH", path);
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
  }

  private static Path which(String tool) {
    for (String d : System.getenv("PATH").split(":")) {
      Path p = Path.of(d, tool);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new IllegalStateException(tool + " is not on the PATH");
  }
}
