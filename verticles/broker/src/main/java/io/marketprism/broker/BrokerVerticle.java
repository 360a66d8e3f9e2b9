package io.marketprism.broker;

import io.marketprism.platform.service.ServiceVerticle;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;

/** The broker service. */
public class BrokerVerticle extends ServiceVerticle {

  @Override
  public String serviceName() {
    return "broker";
  }

  @Override
  protected Future<?> startService(Router router) {
    return Future.succeededFuture();
  }
}
