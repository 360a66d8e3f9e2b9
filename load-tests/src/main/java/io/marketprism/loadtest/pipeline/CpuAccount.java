package io.marketprism.loadtest.pipeline;

import io.marketprism.testkit.ServiceNode;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time spent during a run, per part of the pipeline: the servers this JVM started (its child
 * processes, by command: nats-server, clickhouse) and this JVM's own threads grouped by name. On a
 * machine shared with other work, CPU time per record is what a run costs whatever the contention,
 * and the sum over all parts bounds the rate the cores can hold. The servers' disk writes too
 * ({@code write_bytes}: what reached the block layer, ClickHouse's merges included).
 */
final class CpuAccount {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  /** Linux reports process times in clock ticks of 1/100 s. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  private final Map<String, Long> start;

  private CpuAccount(Map<String, Long> start) {
    this.start = start;
  }

  /** @return an account that measures from now */
  static CpuAccount start() {
    return new CpuAccount(snapshot());
  }

  /**
   * @param records records the run handled
   * @param groupOf thread name to the part it belongs to (null: counted as "jvm other")
   * @return one line per part: CPU ms per 1,000 records, and the total with the rate two cores could hold
   */
  String report(long records, java.util.function.Function<String, String> groupOf) {
    Map<String, Long> end = snapshot();
    Map<String, Long> parts = new TreeMap<>();
    Map<String, Long> disk = new TreeMap<>();
    Map<String, Map<String, Long>> tasks = new TreeMap<>();
    long jvmThreads = 0;
    for (Map.Entry<String, Long> e : end.entrySet()) {
      long used = e.getValue() - start.getOrDefault(e.getKey(), 0L);
      if (e.getKey().startsWith("thread:")) {
        String name = e.getKey().substring(e.getKey().indexOf(':', 7) + 1);
        String group = groupOf.apply(name);
        parts.merge("jvm " + (group == null ? "other threads" : group), used, Long::sum);
        jvmThreads += used;
      } else if (e.getKey().startsWith("disk:")) {
        disk.merge(e.getKey().substring(e.getKey().indexOf(':', 5) + 1), used, Long::sum);
      } else if (e.getKey().startsWith("proc:")) {
        parts.merge(e.getKey().substring(e.getKey().indexOf(':', 5) + 1), used, Long::sum);
      } else if (e.getKey().startsWith("task:")) {
        // "task:<service>:<thread group>": a service JVM's threads, printed apart (its total is in its proc entry)
        String[] k = e.getKey().split(":", 3);
        tasks.computeIfAbsent(k[1], x -> new TreeMap<>()).merge(k[2], used, Long::sum);
      }
    }
    long jvm = end.get("jvm") - start.get("jvm");
    // GC and compiler threads are not Java threads: read from /proc/self/task by their names; the
    // process total minus all that is what threads that ended during the run used
    long gc = end.getOrDefault("own:gc", 0L) - start.getOrDefault("own:gc", 0L);
    long jit = end.getOrDefault("own:jit", 0L) - start.getOrDefault("own:jit", 0L);
    parts.put("jvm gc", gc);
    parts.put("jvm jit", jit);
    parts.put("jvm exited+other", Math.max(0, jvm - jvmThreads - gc - jit));
    long total = 0;
    StringBuilder sb = new StringBuilder("CPU per 1,000 records:");
    for (Map.Entry<String, Long> p : parts.entrySet()) {
      total += p.getValue();
    }
    for (Map.Entry<String, Long> p : parts.entrySet()) {
      if (p.getValue() * 1000 / Math.max(1, total) >= 5) {
        sb.append(String.format(Locale.ROOT, " %s %.1f ms;", p.getKey(), p.getValue() / 1e6 / records * 1000));
      }
    }
    sb.append(String.format(Locale.ROOT, " total %.1f ms -> two cores hold at most %.0f records/s",
        total / 1e6 / records * 1000, 2e9 / ((double) total / records)));
    if (!disk.isEmpty()) {
      sb.append(String.format(Locale.ROOT, "%n  disk writes per 1,000 records:"));
      disk.forEach((server, bytes) -> sb.append(String.format(Locale.ROOT, " %s %.1f KB;", server, bytes / 1e3 / records * 1000)));
    }
    for (Map.Entry<String, Map<String, Long>> service : tasks.entrySet()) {
      sb.append(String.format(Locale.ROOT, "%n  %s by thread:", service.getKey()));
      service.getValue().entrySet().stream().filter(t -> t.getValue() > 0)
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .forEach(t -> sb.append(String.format(Locale.ROOT, " %s %.1f ms;", t.getKey(), t.getValue() / 1e6 / records * 1000)));
    }
    return sb.toString();
  }

  /**
   * @param comm a thread's name as Linux keeps it (its first 15 characters)
   * @return the group it is counted in: the name without its trailing number
   */
  private static String threadGroup(String comm) {
    String g = comm.replaceAll("[-#]?\\d+$", "");
    return g.startsWith("GC Thread") || g.startsWith("G1") ? "gc" : g.startsWith("C1 Compiler") || g.startsWith("C2 Compiler")
        ? "jit" : g;
  }

  /**
   * @param thread a thread name
   * @return the part of the pipeline benchmarks' JVM it works for
   */
  static String pipelineGroup(String thread) {
    if (thread.equals("main") || thread.startsWith("mp-nats-publisher")) {
      return "publisher";
    }
    if (thread.startsWith("vert.x-worker") || thread.startsWith("mp-consumer")) {
      return "storage";
    }
    if (thread.startsWith("nats") || thread.startsWith("NATS")) {
      return "jnats i/o";
    }
    if (thread.startsWith("vert.x-eventloop")) {
      return "event loops";
    }
    return null;
  }

  private static Map<String, Long> snapshot() {
    Map<String, Long> m = new TreeMap<>();
    m.put("jvm", OS.getProcessCpuTime());
    tasks(ProcessHandle.current().pid(), "own", m);
    m.put("own:gc", m.getOrDefault("task:own:gc", 0L));
    m.put("own:jit", m.getOrDefault("task:own:jit", 0L));
    m.keySet().removeIf(k -> k.startsWith("task:own:"));
    for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (t != null) {
        long ns = THREADS.getThreadCpuTime(t.getThreadId());
        if (ns > 0) {
          m.put("thread:" + t.getThreadId() + ":" + t.getThreadName(), ns);
        }
      }
    }
    ProcessHandle.current().descendants().forEach(p -> {
      String cmd = p.info().command().orElse("?");
      String name = cmd.contains("nats-server") ? "nats-server" : cmd.contains("clickhouse") ? "clickhouse"
          : cmd.endsWith("java") ? serviceOf(p.pid()) : null;
      if (name != null) {
        m.put("proc:" + p.pid() + ":" + name, ticks(p.pid()) * NANOS_PER_TICK);
        if (name.startsWith("jvm ")) {
          tasks(p.pid(), name, m);
        } else {
          m.put("disk:" + p.pid() + ":" + name, writeBytes(p.pid()));
        }
      }
    });
    return m;
  }

  /** The service a {@link ServiceNode} child runs: "jvm Collector" for the collector's. */
  private static String serviceOf(long pid) {
    String[] args;
    try {
      args = Files.readString(Path.of("/proc/" + pid + "/cmdline")).split("\0");
    } catch (IOException | RuntimeException gone) {
      return "jvm child";
    }
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(ServiceNode.class.getName())) {
        return "jvm " + args[i + 1].substring(args[i + 1].lastIndexOf('.') + 1).replace("Verticle", "");
      }
    }
    return "jvm child";
  }

  /** A child JVM's threads as {@code task:<service>:<group>} entries (threads of one group summed). */
  private static void tasks(long pid, String service, Map<String, Long> m) {
    try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      tasks.forEach(t -> {
        try {
          String stat = Files.readString(t.resolve("stat"));
          String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
          m.merge("task:" + service + ":" + threadGroup(comm), ticks * NANOS_PER_TICK, Long::sum);
        } catch (IOException | RuntimeException gone) {
          // the thread ended meanwhile
        }
      });
    } catch (IOException | RuntimeException gone) {
      // the process ended meanwhile
    }
  }

  /** Bytes a process caused to be written to storage ({@code /proc/PID/io}), 0 where unreadable. */
  private static long writeBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
        if (line.startsWith("write_bytes:")) {
          return Long.parseLong(line.substring(12).trim());
        }
      }
    } catch (IOException | RuntimeException gone) {
      // the process ended meanwhile, or its counters are not ours to read
    }
    return 0;
  }

  /** utime + stime of a process, in clock ticks. */
  private static long ticks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException gone) {
      return 0;
    }
  }
}
