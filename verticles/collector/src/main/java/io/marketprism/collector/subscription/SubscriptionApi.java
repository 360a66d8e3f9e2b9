package io.marketprism.collector.subscription;

import io.marketprism.platform.http.ApiError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The two doors to {@link Subscriptions}: HTTP {@code GET/POST/DELETE
 * /api/v1/collector/subscriptions} (400 with a message on bad input) and the event-bus address
 * {@value #ADDRESS}, whose messages are the same JSON plus {@code "action": "list" | "add" |
 * "remove"} and are answered with the resulting list or failed with code 400 and the message.
 */
public final class SubscriptionApi {

  /** The event-bus address. */
  public static final String ADDRESS = "mp.collector.subscriptions";
  /** The HTTP path. */
  public static final String PATH = "/api/v1/collector/subscriptions";

  private SubscriptionApi() {
  }

  /**
   * Mounts the HTTP routes.
   *
   * @param router the service router
   * @param subscriptions the collector
   */
  public static void mount(Router router, Subscriptions subscriptions) {
    router.get(PATH).handler(ctx -> ctx.json(subscriptions.list()));
    BodyHandler body = BodyHandler.create().setBodyLimit(256 * 1024);
    router.post(PATH).handler(body).handler(ctx -> ctx.json(subscriptions.add(request(ctx))));
    router.delete(PATH).handler(body).handler(ctx -> ctx.json(subscriptions.remove(request(ctx))));
  }

  private static SubscriptionRequest request(RoutingContext ctx) {
    JsonObject json;
    try {
      json = ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw ApiError.badRequest("the body must be a JSON object: {\"exchange\",\"market_type\",\"symbols\","
          + "\"data_types\"}");
    }
    try {
      return SubscriptionRequest.fromJson(json);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(e.getMessage());
    }
  }

  /**
   * Registers the event-bus consumer.
   *
   * @param vertx the Vert.x instance
   * @param subscriptions the collector
   * @return the consumer, once registered
   */
  public static Future<MessageConsumer<JsonObject>> listen(Vertx vertx, Subscriptions subscriptions) {
    MessageConsumer<JsonObject> c = vertx.eventBus().consumer(ADDRESS, msg -> {
      try {
        JsonObject body = msg.body();
        String action = body == null ? null : body.getString("action", "list");
        switch (action == null ? "" : action) {
          case "list" -> msg.reply(subscriptions.list());
          case "add" -> msg.reply(subscriptions.add(SubscriptionRequest.fromJson(body)));
          case "remove" -> msg.reply(subscriptions.remove(SubscriptionRequest.fromJson(body)));
          default -> msg.fail(400, "action must be list, add or remove, got '" + action + "'");
        }
      } catch (IllegalArgumentException | ClassCastException e) {
        msg.fail(400, e.getMessage());
      }
    });
    return c.completion().map(c);
  }
}
