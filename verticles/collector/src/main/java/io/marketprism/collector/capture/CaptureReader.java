package io.marketprism.collector.capture;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Reads one or more capture files as a single stream of {@link CaptureLine}s ordered by receive
 * time. The files of one capture (e.g. its WebSocket and REST files) share a clock, so merging
 * them by timestamp puts every REST snapshot where it was fetched among the diffs. Lines with
 * equal times keep file order, and each file's own order is never changed.
 */
public final class CaptureReader implements Closeable {

  private final List<Input> inputs = new ArrayList<>();
  private final PriorityQueue<Input> queue = new PriorityQueue<>(
      Comparator.comparingLong((Input in) -> in.head.recvTsUs()).thenComparingInt(in -> in.index));

  /**
   * @param files capture files, read as UTF-8
   * @throws IOException if a file cannot be opened
   */
  public CaptureReader(List<Path> files) throws IOException {
    try {
      for (Path f : files) {
        Input in = new Input(f, inputs.size());
        inputs.add(in);
        if (in.advance()) {
          queue.add(in);
        }
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * @return the next line in time order, or {@code null} at the end of every input
   * @throws IOException on a read error
   */
  public CaptureLine next() throws IOException {
    Input in = queue.poll();
    if (in == null) {
      return null;
    }
    CaptureLine line = in.head;
    try {
      if (in.advance()) {
        queue.add(in);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return line;
  }

  @Override
  public void close() throws IOException {
    IOException first = null;
    for (Input in : inputs) {
      try {
        in.reader.close();
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private static final class Input {
    final BufferedReader reader;
    final String name;
    final int index;
    long lineNo;
    long lastTs;
    CaptureLine head;

    Input(Path file, int index) throws IOException {
      this.reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
      this.name = file.getFileName().toString();
      this.index = index;
    }

    boolean advance() throws IOException {
      String text = reader.readLine();
      if (text == null) {
        head = null;
        return false;
      }
      lineNo++;
      head = CaptureLine.parse(text, lastTs, name + ':' + lineNo);
      // a line without its own time (bare message) must not sort before the lines around it
      lastTs = Math.max(lastTs, head.recvTsUs());
      return true;
    }
  }
}
