package io.marketprism.scheduler;

import io.vertx.core.json.JsonObject;

/**
 * One run of a job, as {@code GET /api/v1/scheduler/jobs/{name}/runs} lists it.
 *
 * @param status {@code succeeded}, {@code failed} or {@code skipped} (another scheduler
 *               instance holds the job's cluster lock, or another instance ran it within its interval)
 */
public record JobRun(String job, long runId, String trigger, long startedMs, long finishedMs, String status,
                     int httpStatus, String message, String node) {

  public JsonObject toJson() {
    return new JsonObject().put("job", job).put("run_id", runId).put("trigger", trigger)
        .put("started_ms", startedMs).put("finished_ms", finishedMs).put("duration_ms", finishedMs - startedMs)
        .put("status", status).put("http_status", httpStatus).put("message", message).put("node", node);
  }
}
