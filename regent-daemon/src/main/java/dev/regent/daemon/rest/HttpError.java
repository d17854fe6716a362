package dev.regent.daemon.rest;

/**
 * Ends the handling of a request with a status code and a message. {@code page} chooses Python's HTML error page
 * (Patroni's {@code send_error}) over a plain-text body (Patroni's {@code write_response}).
 */
final class HttpError extends RuntimeException {
    final int status;
    final boolean page;

    private HttpError(int status, String message, boolean page) {
        super(message, null, false, false);
        this.status = status;
        this.page = page;
    }

    /** Plain-text answer, e.g. {@code 400 Switchover target and source are the same}. */
    static HttpError plain(int status, String message) {
        return new HttpError(status, message, false);
    }

    /** HTML error page, e.g. {@code 411 Length Required}. */
    static HttpError page(int status, String message) {
        return new HttpError(status, message, true);
    }
}
