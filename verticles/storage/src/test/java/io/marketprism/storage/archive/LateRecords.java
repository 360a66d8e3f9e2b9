package io.marketprism.storage.archive;

import io.marketprism.storage.cold.ColdTier;
import io.marketprism.storage.hot.HotStore;
import io.vertx.core.Future;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/** Hot stores that fail the archive between its copy and its drop: a late write to hot, or a drop that fails. */
public final class LateRecords {

  private LateRecords() {
  }

  /**
   * @param hot the real store
   * @param lateWrite writes the late records into {@code hot}
   * @return the same store, with a cold tier that runs {@code lateWrite} once, right after its first copy
   */
  public static HotStore afterFirstCopy(HotStore hot, Supplier<Future<Void>> lateWrite) {
    AtomicBoolean done = new AtomicBoolean();
    ColdTier cold = (ColdTier) Proxy.newProxyInstance(ColdTier.class.getClassLoader(), new Class<?>[] {ColdTier.class},
        (p, m, args) -> {
          Object result = invoke(hot.cold(), m, args);
          if (m.getName().equals("copyDay") && done.compareAndSet(false, true)) {
            return ((Future<?>) result).compose(n -> lateWrite.get().map(n));
          }
          return result;
        });
    return (HotStore) Proxy.newProxyInstance(HotStore.class.getClassLoader(), new Class<?>[] {HotStore.class},
        (p, m, args) -> m.getName().equals("cold") ? cold : invoke(hot, m, args));
  }

  /**
   * @param hot the real store
   * @return the same store, whose first {@link HotStore#dropDay} fails after the day was copied
   *     (what a crash between the copy and the drop leaves: the day in both tiers)
   */
  public static HotStore firstDropFails(HotStore hot) {
    AtomicBoolean failed = new AtomicBoolean();
    return (HotStore) Proxy.newProxyInstance(HotStore.class.getClassLoader(), new Class<?>[] {HotStore.class},
        (p, m, args) -> m.getName().equals("dropDay") && failed.compareAndSet(false, true)
            ? Future.failedFuture("connection reset while dropping") : invoke(hot, m, args));
  }

  private static Object invoke(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
