package io.marketprism.app;

import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Parsing of the values the commands share, with the one-line errors of exit code 2. */
final class Cli {

  private Cli() {
  }

  static Exchange exchange(String value) {
    return parse(Exchange.class, "--exchange", value);
  }

  static MarketType marketType(String value) {
    return parse(MarketType.class, "--market-type", value);
  }

  static int port(String flag, int port) {
    if (port < 0 || port > 65535) {
      throw new Main.UsageException(flag + " must be from 0 to 65535, got " + port);
    }
    return port;
  }

  private static <E extends Enum<E>> E parse(Class<E> type, String flag, String value) {
    try {
      return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      String allowed = Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT))
          .collect(Collectors.joining(", "));
      throw new Main.UsageException(flag + " must be one of " + allowed + ", got '" + value + "'");
    }
  }
}
