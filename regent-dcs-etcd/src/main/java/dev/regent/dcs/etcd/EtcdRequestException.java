package dev.regent.dcs.etcd;

import dev.regent.dcs.DcsException;

/** etcd answered a request with an error that retrying elsewhere will not fix (e.g. lease not found). */
public class EtcdRequestException extends DcsException {
    private final int grpcCode;

    public EtcdRequestException(int grpcCode, String message) {
        super(message);
        this.grpcCode = grpcCode;
    }

    /** The gRPC status code etcd reported (5 = not found, 16 = unauthenticated, ...). */
    public int grpcCode() {
        return grpcCode;
    }

    public boolean isLeaseNotFound() {
        return getMessage() != null && getMessage().contains("lease not found");
    }
}
