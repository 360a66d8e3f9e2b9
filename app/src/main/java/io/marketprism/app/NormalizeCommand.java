package io.marketprism.app;

import io.marketprism.collector.normalize.NormalizeJob;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code normalize}: a capture of raw exchange messages → normalized NDJSON + a summary line. */
@Command(name = "normalize", mixinStandardHelpOptions = true,
    description = {"Read a capture of raw exchange messages and write normalized records as NDJSON.",
        "Several inputs of one capture are merged by their timestamps. The last line on stderr is a "
            + "JSON summary: messages, records per type, rejected, book checksum/gap/resync counts."})
final class NormalizeCommand implements Callable<Integer> {

  @Option(names = "--exchange", required = true, paramLabel = "EX", description = "binance, okx or deribit")
  String exchange;

  @Option(names = "--market-type", paramLabel = "MT",
      description = "spot, perpetual, futures or options (needed for Binance plain symbols; default spot)")
  String marketType;

  @Option(names = "--symbols", split = ",", paramLabel = "S", description = "keep only these instruments")
  List<String> symbols = new ArrayList<>();

  @Option(names = "--depth", paramLabel = "N", defaultValue = "20", description = "levels per side in orderbook records (default 20)")
  int depth;

  @Option(names = "--input", required = true, paramLabel = "FILE", description = "capture file (repeatable)")
  List<Path> inputs = new ArrayList<>();

  @Option(names = "--output", paramLabel = "FILE", description = "NDJSON output (default stdout)")
  Path output;

  @Override
  public Integer call() throws Exception {
    Exchange ex = Cli.exchange(exchange);
    MarketType mt = marketType == null ? null : Cli.marketType(marketType);
    if (depth < 1 || depth > 5000) {
      throw new Main.UsageException("--depth must be from 1 to 5000, got " + depth);
    }
    for (Path p : inputs) {
      if (!Files.isReadable(p)) {
        throw new Main.UsageException("--input " + p + ": no such readable file");
      }
    }
    Set<String> wanted = new LinkedHashSet<>();
    symbols.forEach(s -> wanted.add(s.trim().toUpperCase(Locale.ROOT)));
    OutputStream out = output == null ? new BufferedOutputStream(System.out, 1 << 16)
        : new BufferedOutputStream(openOutput(output), 1 << 16);
    try {
      NormalizeJob.Summary summary = new NormalizeJob().run(new NormalizeJob.Options(ex, mt, wanted, depth, inputs, out));
      out.flush();
      System.err.println(summary.toJson());
    } finally {
      if (output != null) {
        out.close();
      }
    }
    return 0;
  }

  /** The output file, created or emptied; one that cannot be is a bad value (exit 2) saying why. */
  private static OutputStream openOutput(Path output) {
    try {
      return Files.newOutputStream(output);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new Main.UsageException("--output " + output + ": no such directory " + output.toAbsolutePath().getParent());
    } catch (java.nio.file.AccessDeniedException e) {
      throw new Main.UsageException("--output " + output + ": permission denied");
    } catch (java.io.IOException e) {
      throw new Main.UsageException("--output " + output + ": cannot be written ("
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
    }
  }
}
