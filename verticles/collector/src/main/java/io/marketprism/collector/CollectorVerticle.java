package io.marketprism.collector;

import io.marketprism.platform.service.ServiceVerticle;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;

/** The collector service. */
public class CollectorVerticle extends ServiceVerticle {

  @Override
  public String serviceName() {
    return "collector";
  }

  @Override
  protected Future<?> startService(Router router) {
    return Future.succeededFuture();
  }
}
