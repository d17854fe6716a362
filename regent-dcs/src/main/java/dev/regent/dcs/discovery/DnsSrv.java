package dev.regent.dcs.discovery;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Hashtable;
import java.util.List;
import javax.naming.Context;
import javax.naming.NameNotFoundException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;

/**
 * DNS SRV lookups through the JDK's JNDI DNS provider. The resolver is the system's ({@code /etc/resolv.conf}) unless
 * the system property {@value #SERVER_PROPERTY} names another, e.g. {@code dns://127.0.0.1:5353} (the tests point it at
 * a dnsmasq on a high port). Each query waits {@value #TIMEOUT_MILLIS} ms for an answer and asks twice at most, so a
 * dead resolver costs seconds, not the JDK's default quarter of a minute. Stateless; thread-safe; blocks on DNS.
 */
public final class DnsSrv {
    /** System property naming the DNS server to ask, as a JNDI DNS URL ({@code dns://host:port}). */
    public static final String SERVER_PROPERTY = "regent.dns.server";
    static final int TIMEOUT_MILLIS = 1000;

    /** One SRV record; {@code host} without the trailing dot. */
    public record Target(String host, int port, int priority, int weight) {}

    private DnsSrv() {}

    /**
     * The SRV records of {@code name} (e.g. {@code _etcd-client._tcp.example.com}), by priority then weight (highest
     * weight first); empty when the name has none.
     *
     * @throws NamingException the resolver could not be asked or gave a broken answer
     */
    public static List<Target> lookup(String name) throws NamingException {
        Hashtable<String, String> env = new Hashtable<>();
        env.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
        String server = System.getProperty(SERVER_PROPERTY);
        env.put(Context.PROVIDER_URL, server == null || server.isBlank() ? "dns:" : server.strip());
        env.put("com.sun.jndi.dns.timeout.initial", Integer.toString(TIMEOUT_MILLIS));
        env.put("com.sun.jndi.dns.timeout.retries", "2");
        DirContext ctx = new InitialDirContext(env);
        try {
            Attribute srv = ctx.getAttributes(name, new String[] {"SRV"}).get("SRV");
            List<Target> out = new ArrayList<>();
            if (srv == null) return out;
            NamingEnumeration<?> values = srv.getAll();
            while (values.hasMore()) out.add(parse(name, String.valueOf(values.next())));
            out.sort(Comparator.comparingInt(Target::priority)
                    .thenComparing(Target::weight, Comparator.reverseOrder()));
            return out;
        } catch (NameNotFoundException e) {
            return List.of();
        } finally {
            ctx.close();
        }
    }

    /** {@code "priority weight port target."} as the JNDI provider spells a record. */
    static Target parse(String name, String record) throws NamingException {
        String[] f = record.strip().split("\\s+");
        try {
            if (f.length != 4) throw new NumberFormatException("4 fields expected");
            String host = f[3].endsWith(".") ? f[3].substring(0, f[3].length() - 1) : f[3];
            return new Target(host, Integer.parseInt(f[2]), Integer.parseInt(f[0]), Integer.parseInt(f[1]));
        } catch (NumberFormatException e) {
            throw new NamingException("unreadable SRV record of " + name + ": '" + record + "'");
        }
    }
}
