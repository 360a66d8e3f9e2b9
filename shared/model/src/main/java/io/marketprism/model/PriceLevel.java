package io.marketprism.model;

/**
 * One order-book level; written as a {@code [price, quantity]} pair of decimal strings.
 *
 * @param price canonical decimal price
 * @param quantity canonical decimal quantity
 */
public record PriceLevel(String price, String quantity) {
}
