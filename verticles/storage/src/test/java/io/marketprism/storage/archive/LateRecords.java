package io.marketprism.storage.archive;

import io.marketprism.storage.cold.ColdTier;
import io.marketprism.storage.hot.HotStore;
import io.vertx.core.Future;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/** A hot store whose first day copy to cold is followed by a late write to hot, before the archive drops the day. */
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

  private static Object invoke(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
