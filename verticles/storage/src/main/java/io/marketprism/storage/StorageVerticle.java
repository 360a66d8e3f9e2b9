package io.marketprism.storage;

import io.marketprism.platform.service.ServiceVerticle;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;

/** The storage service. */
public class StorageVerticle extends ServiceVerticle {

  @Override
  public String serviceName() {
    return "storage";
  }

  @Override
  protected Future<?> startService(Router router) {
    return Future.succeededFuture();
  }
}
