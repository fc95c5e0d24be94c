package dev.adm.spark;

import org.apache.spark.Partitioner;

/**
 * Sends the minibatches of one averaging round to its workers: positions {@code from .. from + k - 1} to worker 0,
 * the next {@code k} to worker 1, and so on.
 */
final class RoundPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;

    private final int workers;
    private final long from;
    private final int steps;

    RoundPartitioner(int workers, long from, int steps) {
        this.workers = workers;
        this.from = from;
        this.steps = steps;
    }

    @Override
    public int numPartitions() {
        return workers;
    }

    @Override
    public int getPartition(Object key) {
        return (int) Math.min(workers - 1, ((Long) key - from) / steps);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RoundPartitioner p && p.workers == workers && p.from == from && p.steps == steps;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(from) * 31 + workers * 7 + steps;
    }
}
