package io.marketprism.monitoring;

import io.marketprism.platform.service.ServiceVerticle;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;

/** The monitoring service. */
public class MonitoringVerticle extends ServiceVerticle {

  @Override
  public String serviceName() {
    return "monitoring";
  }

  @Override
  protected Future<?> startService(Router router) {
    return Future.succeededFuture();
  }
}
