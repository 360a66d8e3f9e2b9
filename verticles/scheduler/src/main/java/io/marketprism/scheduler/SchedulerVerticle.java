package io.marketprism.scheduler;

import io.marketprism.platform.service.ServiceVerticle;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;

/** The scheduler service. */
public class SchedulerVerticle extends ServiceVerticle {

  @Override
  public String serviceName() {
    return "scheduler";
  }

  @Override
  protected Future<?> startService(Router router) {
    return Future.succeededFuture();
  }
}
