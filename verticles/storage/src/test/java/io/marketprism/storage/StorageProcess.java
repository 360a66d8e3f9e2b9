package io.marketprism.storage;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A storage node in a process of its own, for crash tests: {@code StorageProcess CONFIG_JSON PORT_FILE}
 * deploys the storage service with that configuration and writes its HTTP port to the file once
 * it serves. It runs until it is killed.
 */
public final class StorageProcess {

  private StorageProcess() {
  }

  /**
   * @param args the configuration file (JSON) and the file to write the HTTP port to
   * @throws Exception when the service does not start
   */
  public static void main(String[] args) throws Exception {
    JsonObject config = new JsonObject(Files.readString(Path.of(args[0])));
    Vertx vertx = Vertx.vertx();
    StorageVerticle storage = new StorageVerticle();
    vertx.deployVerticle(storage, new DeploymentOptions().setConfig(config)).toCompletionStage().toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
    Path tmp = Path.of(args[1] + ".tmp");
    Files.writeString(tmp, Integer.toString(storage.actualPort()));
    Files.move(tmp, Path.of(args[1]), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
