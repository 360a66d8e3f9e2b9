package io.marketprism.simulator.model;

/**
 * One price level changed by a book update.
 *
 * @param price  level price in price units
 * @param qty    new size in quantity units; 0 removes the level
 * @param action what happened to the level ({@code new}, {@code change}, {@code delete} on Deribit)
 */
public record LevelChange(long price, long qty, Action action) {

  /** What a change did to its level. */
  public enum Action {
    /** The level did not exist before. */
    NEW,
    /** The level existed and has a new size. */
    CHANGE,
    /** The level is gone. */
    DELETE;

    /** Deribit's word for it. */
    public String word() {
      return this == NEW ? "new" : this == CHANGE ? "change" : "delete";
    }
  }
}
