package dev.regent.daemon.tls;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The little DER that reading PEM private keys needs: one TLV at a time, object identifiers as dotted strings, and
 * wrapping a key in a PKCS#8 structure. Malformed input throws {@link IllegalArgumentException}. Immutable.
 */
final class Der {
    static final int INTEGER = 0x02;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    static final int SEQUENCE = 0x30;

    final int tag;
    final byte[] value;

    private Der(int tag, byte[] value) {
        this.tag = tag;
        this.value = value;
    }

    /** The single element {@code bytes} holds. */
    static Der parse(byte[] bytes) {
        List<Der> all = parseAll(bytes);
        if (all.size() != 1) throw new IllegalArgumentException("expected one DER element, got " + all.size());
        return all.get(0);
    }

    /** The consecutive elements of {@code bytes} (the contents of a constructed element). */
    static List<Der> parseAll(byte[] bytes) {
        List<Der> out = new ArrayList<>();
        int i = 0;
        while (i < bytes.length) {
            int tag = bytes[i++] & 0xff;
            if (i >= bytes.length) throw new IllegalArgumentException("truncated DER");
            int len = bytes[i++] & 0xff;
            if (len >= 0x80) {
                int n = len & 0x7f;
                if (n == 0 || n > 4 || i + n > bytes.length) throw new IllegalArgumentException("bad DER length");
                len = 0;
                for (int k = 0; k < n; k++) len = (len << 8) | (bytes[i++] & 0xff);
            }
            if (len < 0 || i + len > bytes.length) throw new IllegalArgumentException("truncated DER");
            out.add(new Der(tag, Arrays.copyOfRange(bytes, i, i + len)));
            i += len;
        }
        return out;
    }

    /** The children of a constructed element. */
    List<Der> children() {
        return parseAll(value);
    }

    /** The element as a dotted object identifier. */
    String oid() {
        if (tag != OID || value.length == 0) throw new IllegalArgumentException("expected an OID");
        StringBuilder sb = new StringBuilder();
        long n = 0;
        boolean first = true;
        for (byte b : value) {
            n = (n << 7) | (b & 0x7f);
            if ((b & 0x80) == 0) {
                if (first) {
                    long a = Math.min(n / 40, 2);
                    sb.append(a).append('.').append(n - 40 * a);
                    first = false;
                } else {
                    sb.append('.').append(n);
                }
                n = 0;
            }
        }
        return sb.toString();
    }

    /** The element as a small non-negative integer. */
    int intValue() {
        if (tag != INTEGER || value.length == 0 || value.length > 4) {
            throw new IllegalArgumentException("expected a small INTEGER");
        }
        int n = 0;
        for (byte b : value) n = (n << 8) | (b & 0xff);
        return n;
    }

    /** Encodes one element. */
    static byte[] encode(int tag, byte[]... contents) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] c : contents) body.writeBytes(c);
        int len = body.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    /** The whole element, re-encoded. */
    byte[] encoded() {
        return encode(tag, value);
    }
}
