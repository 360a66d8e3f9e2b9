package io.marketprism.app;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class MainTest {

  private record Outcome(int code, String out, String err) {
  }

  private static Outcome run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.execute(args);
      return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void everySubcommandHasHelp() {
    for (String cmd : new String[] {"run", "demo", "normalize", "simulate"}) {
      Outcome o = run(cmd, "--help");
      assertThat(o.code()).as(cmd).isZero();
      assertThat(o.out()).as(cmd).contains("Usage: marketprism " + cmd);
    }
    assertThat(run("--help").out()).contains("demo", "run", "normalize", "simulate")
        .as("a command's line in the list is its whole first sentence").contains("fault injection.")
        .contains("exchange simulator.");
  }

  @Test
  void unknownFlagExitsTwoWithOneLine() {
    Outcome o = run("run", "--frobnicate");
    assertThat(o.code()).isEqualTo(2);
    assertThat(o.err().strip().lines().count()).isEqualTo(1);
    assertThat(o.err()).contains("--frobnicate");
  }

  @Test
  void anUnknownTopLevelFlagNamesTheProgramOnce() {
    Outcome o = run("--bogus");
    assertThat(o.code()).isEqualTo(2);
    assertThat(o.err().strip()).startsWith("marketprism: ").contains("--bogus");
    assertThat(o.err().strip().lines().count()).isEqualTo(1);
  }

  @Test
  void anOutputThatCannotBeWrittenExitsTwoSayingWhy() throws Exception {
    java.nio.file.Path input = java.nio.file.Files.createTempFile("mp-normalize", ".jsonl");
    try {
      java.nio.file.Files.writeString(input, "{}\n");
      Outcome o = run("normalize", "--exchange", "binance", "--market-type", "spot", "--input", input.toString(),
          "--output", "/nonexistent-mp-dir/x.ndjson");
      assertThat(o.code()).isEqualTo(2);
      assertThat(o.err().strip()).isEqualTo("marketprism normalize: --output /nonexistent-mp-dir/x.ndjson: no such "
          + "directory /nonexistent-mp-dir");
    } finally {
      java.nio.file.Files.delete(input);
    }
  }

  @Test
  void unknownServiceExitsTwoNamingTheChoices() {
    Outcome o = run("run", "gatway");
    assertThat(o.code()).isEqualTo(2);
    assertThat(o.err()).contains("unknown service 'gatway'").contains("gateway");
    assertThat(o.err().strip().lines().count()).isEqualTo(1);
  }

  @Test
  void badValuesExitTwo() {
    assertThat(run("demo", "--port", "http").code()).isEqualTo(2);
    assertThat(run("demo", "--port", "70000").code()).isEqualTo(2);
    assertThat(run("demo", "--seconds", "-1").code()).isEqualTo(2);
    assertThat(run("normalize", "--exchange", "kraken", "--input", "x").code()).isEqualTo(2);
    assertThat(run("simulate", "--exchange", "binance", "--rate", "-5").code()).isEqualTo(2);
  }

  @Test
  void aSimulatorPortInUseIsNamed() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Outcome o = run("simulate", "--exchange", "okx", "--port", String.valueOf(taken.getLocalPort()));
      assertThat(o.code()).isEqualTo(1);
      assertThat(o.err()).contains("okx simulator cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": ")
          .contains("in use");
    }
  }

  @Test
  void badConfigValueStopsStartUpNamingTheKey() throws Exception {
    java.nio.file.Path cfg = java.nio.file.Files.createTempFile("mp", ".yaml");
    java.nio.file.Files.writeString(cfg, "scheduler:\n  jobs:\n    x: {every: sometimes, service: s, path: /p}\n");
    Outcome o = run("run", "--config", cfg.toString(), "scheduler");
    assertThat(o.code()).isEqualTo(2);
    assertThat(o.err()).contains("scheduler.jobs.x.every");
  }
}
