package dev.adm.core.methods;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Package-private helpers of the methods, for tests in other packages. */
public final class MethodTestAccess {
    private MethodTestAccess() {
    }

    public static INDArray akdDropout(INDArray x, double p) {
        return AkdMethod.dropout(x, p);
    }
}
