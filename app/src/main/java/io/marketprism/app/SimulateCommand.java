package io.marketprism.app;

import io.marketprism.simulator.SimulatorOptions;
import io.marketprism.simulator.SimulatorVerticle;
import io.marketprism.simulator.model.Venue;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code simulate}: the exchange simulator alone, until Ctrl-C / SIGTERM. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = {"Run the exchange simulator alone: the exchange's WebSocket and REST protocols on loopback, "
        + "driven by a market model, with optional fault injection.",
        "Faults: comma-separated kind[:name=value]..., kinds disconnect:every=DUR, stall:every=DUR:for=DUR, "
            + "drop|dup|reorder|checksum|malformed:p=P, slow-snapshot:delay=DUR, rest-429|rest-418:p=P; "
            + "e.g. disconnect:every=30s,drop:p=0.01"})
final class SimulateCommand implements Callable<Integer> {

  @Option(names = "--exchange", required = true, paramLabel = "EX", description = "binance, okx or deribit")
  String exchange;

  @Option(names = "--port", paramLabel = "P", defaultValue = "0",
      description = "port (Binance: spot P, USDⓈ-M P+1, COIN-M P+2); 0 = any free port")
  int port;

  @Option(names = "--symbols", split = ",", paramLabel = "S", description = "exchange instrument names")
  List<String> symbols = new ArrayList<>();

  @Option(names = "--rate", paramLabel = "MSGS_PER_S", description = "market events per second (default 200)")
  Double rate;

  @Option(names = "--faults", paramLabel = "SPEC", description = "fault injection spec")
  String faults;

  @Option(names = "--seed", paramLabel = "N", description = "market model seed (default 42)")
  Long seed;

  @Option(names = "--replay", paramLabel = "FILE", description = "replay this capture instead of the model")
  String replay;

  @Option(names = "--pace", paramLabel = "recorded|N", description = "replay pace: recorded, or messages per second")
  String pace;

  @Override
  public Integer call() throws Exception {
    String ex = Cli.exchange(exchange).name().toLowerCase(Locale.ROOT);
    Cli.port("--port", port);
    if (rate != null && !(rate > 0)) {
      throw new Main.UsageException("--rate must be a positive number, got " + rate);
    }
    SimulatorOptions options;
    try {
      options = new SimulatorOptions().setExchanges(List.of(ex));
      if (port > 0) {
        if (ex.equals("binance")) {
          options.setBinancePorts(port);
        } else {
          options.setPort(ex.equals("okx") ? Venue.OKX : Venue.DERIBIT, port);
        }
      }
      if (!symbols.isEmpty()) {
        options.setSymbols(ex, symbols);
      }
      if (rate != null) {
        options.setRate(rate);
      }
      if (faults != null) {
        options.setFaults(faults);
      }
      if (seed != null) {
        options.setSeed(seed);
      }
      if (replay != null) {
        options.setReplayFile(replay);
      }
      if (pace != null) {
        options.setReplayPace(pace);
      }
    } catch (IllegalArgumentException e) {
      throw new Main.UsageException(e.getMessage());
    }
    Vertx vertx = Vertx.vertx(io.marketprism.platform.node.NativeTransport.prefer(new io.vertx.core.VertxOptions()));
    io.marketprism.platform.node.NativeTransport.report(vertx);
    SimulatorVerticle sim = new SimulatorVerticle(options);
    try {
      NodeRunner.await(vertx.deployVerticle(sim), 60_000, "starting the " + ex + " simulator");
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
    sim.endpoints().forEach((k, v) -> System.out.println(k + " " + v));
    // what a collector (bin/marketprism run ...) needs to read this simulator instead of the exchange
    System.out.println("collector:");
    sim.collectorExchanges(List.of()).forEach(e -> System.out.println("  MP_EXCHANGES_"
        + e.getKey().toUpperCase(Locale.ROOT) + "_ENDPOINTS='"
        + ((JsonObject) e.getValue()).getJsonObject("endpoints").encode() + "'"));
    System.out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(8, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
      stopped.countDown();
    }));
    stopped.await();
    return 0;
  }
}
