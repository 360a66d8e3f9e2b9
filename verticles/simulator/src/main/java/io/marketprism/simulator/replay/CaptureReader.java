package io.marketprism.simulator.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a capture in any of the formats of CONTRACT §2 (detected per line): bare messages,
 * {@code TS message} / {@code TS: message}, cryptofeed raw lines ({@code wss://… <-> TS},
 * {@code wss://… <- TS: …} skipped, {@code https://…?symbol=X -> TS: body} kept as REST responses),
 * and bare Binance depth snapshots (assigned to the capture's single symbol).
 */
public final class CaptureReader {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern TIMESTAMPED = Pattern.compile("^(\\d+(?:\\.\\d+)?):?\\s+(.*)$", Pattern.DOTALL);
  private static final Pattern REST = Pattern.compile("^(https?://\\S+) -> (\\d+(?:\\.\\d+)?):\\s*(.*)$",
      Pattern.DOTALL);

  private CaptureReader() {
  }

  /**
   * Parses a whole capture.
   *
   * @param content the file's text
   * @return its messages and REST responses
   * @throws IllegalArgumentException when no replayable message is found
   */
  public static ReplayStore parse(String content) {
    List<ReplayMessage> messages = new ArrayList<>();
    List<CapturedResponse> responses = new ArrayList<>();
    List<String[]> bareSnapshots = new ArrayList<>();
    String singleSymbol = null;
    boolean manySymbols = false;
    long lastTs = 0;
    for (String raw : content.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("wss://") || line.startsWith("ws://")) {
        continue;
      }
      Matcher rest = REST.matcher(line);
      if (rest.matches()) {
        long ts = toNanos(rest.group(2));
        URI uri = URI.create(rest.group(1));
        String path = uri.getPath();
        responses.add(new CapturedResponse(path.substring(path.lastIndexOf('/') + 1), keyOf(uri.getRawQuery()),
            rest.group(3), ts));
        lastTs = ts;
        continue;
      }
      String json = line;
      long ts = lastTs + 1_000_000L;
      Matcher m = TIMESTAMPED.matcher(line);
      if (m.matches()) {
        ts = toNanos(m.group(1));
        json = m.group(2);
      }
      if (!json.startsWith("{")) {
        continue;
      }
      lastTs = ts;
      JsonNode node;
      try {
        node = JSON.readTree(json);
      } catch (Exception e) {
        continue;
      }
      if (node.has("lastUpdateId")) {
        bareSnapshots.add(new String[] {json, Long.toString(ts)});
        continue;
      }
      ReplayMessage msg = classify(node, json, ts);
      if (msg == null) {
        continue;
      }
      if ("binance".equals(msg.exchange())) {
        String sym = msg.topic().substring(0, msg.topic().indexOf('@') < 0 ? msg.topic().length()
            : msg.topic().indexOf('@'));
        if (singleSymbol == null) {
          singleSymbol = sym;
        } else if (!singleSymbol.equals(sym)) {
          manySymbols = true;
        }
      }
      messages.add(msg);
    }
    if (singleSymbol != null && !manySymbols) {
      for (String[] s : bareSnapshots) {
        responses.add(new CapturedResponse("depth", singleSymbol.toUpperCase(Locale.ROOT), s[0], Long.parseLong(s[1])));
      }
    }
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("replay capture holds no Binance, OKX or Deribit market-data message");
    }
    return new ReplayStore(messages, responses);
  }

  private static ReplayMessage classify(JsonNode node, String json, long ts) {
    if (node.has("stream") && node.has("data")) {
      String stream = node.get("stream").asText();
      int at = json.indexOf("\"data\":");
      String data = json.substring(at + 7, json.lastIndexOf('}')).strip();
      if (!data.startsWith("{") && !data.startsWith("[")) {
        data = node.get("data").toString();
      }
      return new ReplayMessage("binance", stream, data, json, ts);
    }
    if (node.has("arg") && node.has("data")) {
      JsonNode arg = node.get("arg");
      String scope = arg.has("instId") ? arg.get("instId").asText()
          : arg.has("instType") ? arg.get("instType").asText() : arg.path("instFamily").asText();
      return new ReplayMessage("okx", arg.path("channel").asText() + ":" + scope, json, null, ts);
    }
    if ("subscription".equals(node.path("method").asText()) && node.has("params")) {
      return new ReplayMessage("deribit", node.get("params").path("channel").asText(), json, null, ts);
    }
    if (node.has("e") && node.has("s")) {
      String e = node.get("e").asText();
      String stream = switch (e) {
        case "depthUpdate" -> "depth";
        case "markPriceUpdate" -> "markPrice";
        case "24hrTicker" -> "ticker";
        case "kline" -> "kline_" + node.path("k").path("i").asText();
        default -> e;
      };
      return new ReplayMessage("binance", node.get("s").asText().toLowerCase(Locale.ROOT) + "@" + stream, json, null,
          ts);
    }
    return null;
  }

  private static String keyOf(String query) {
    if (query == null) {
      return "";
    }
    for (String name : new String[] {"symbol", "instId", "instType", "currency", "instrument_name", "pair"}) {
      for (String kv : query.split("&")) {
        if (kv.startsWith(name + "=")) {
          return kv.substring(name.length() + 1).toUpperCase(Locale.ROOT);
        }
      }
    }
    return "";
  }

  /** A capture timestamp (float seconds, or integer s/ms/µs/ns told apart by magnitude) in epoch ns. */
  public static long toNanos(String ts) {
    if (ts.contains(".")) {
      return Math.round(Double.parseDouble(ts) * 1e9);
    }
    long v = Long.parseLong(ts);
    int digits = ts.length();
    if (digits >= 18) {
      return v;
    }
    if (digits >= 15) {
      return v * 1_000L;
    }
    if (digits >= 12) {
      return v * 1_000_000L;
    }
    return v * 1_000_000_000L;
  }
}
