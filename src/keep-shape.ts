/**
 * Keeps the hidden class of short-lived objects alive between their lifetimes.
 *
 * V8 specialises optimised code on the hidden classes (maps) of the objects it sees. A map whose
 * last instance has died is dropped at the next full garbage collection, and every piece of
 * optimised code that embedded it is thrown away ("weak objects" deoptimisation); the next
 * instance gets a new map and the code is compiled all over again. A consumer makes its data
 * writers, column buffers and page buffers afresh for every flush, and all of them die in
 * between, so it recompiled its whole write path again and again: `--trace-deopt` showed ~25
 * functions deoptimised per flush in a steady-state run, and recompiling was 12-14% of its
 * instructions. Holding the latest instance of each such class keeps its map (and the code).
 *
 * One instance per class, the newest: it is in use anyway while work goes on, so what is held
 * on to between flushes is one object's worth of memory.
 */
const latest = new Map<unknown, object>();

export function keepShape(instance: object): void {
  latest.set(instance.constructor, instance);
}
