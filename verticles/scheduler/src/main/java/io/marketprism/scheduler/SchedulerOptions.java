package io.marketprism.scheduler;

import io.marketprism.platform.config.ConfigReader;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code scheduler} section: its jobs by name ({@code scheduler.jobs.<name>}, see
 * {@link JobSpec}). Built and validated before start; a bad value names its key.
 */
public record SchedulerOptions(Map<String, JobSpec> jobs) {

  public static SchedulerOptions from(JsonObject root) {
    Map<String, JobSpec> jobs = new LinkedHashMap<>();
    ConfigReader.root(root, "scheduler").sections("jobs").forEach((name, r) -> jobs.put(name, JobSpec.from(name, r)));
    return new SchedulerOptions(Map.copyOf(jobs));
  }
}
